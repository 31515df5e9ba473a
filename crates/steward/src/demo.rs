//! `steward demo`: people, rooms and conversations that look like a real team.

use anyhow::bail;
use steward_core::validate::default_avatar_color;
use steward_core::{RoomKind, RoomRole, SystemRole};
use steward_server::auth;
use steward_store::{NewMessage, NewRoom, NewUser, Store};

const PEOPLE: &[(&str, &str, &str, SystemRole)] = &[
    ("anna", "Анна Смирнова", "ru", SystemRole::Owner),
    ("ivan", "Иван Петров", "ru", SystemRole::Moderator),
    ("olga", "Ольга Кузнецова", "ru", SystemRole::Operator),
    ("mike", "Mike Johnson", "en", SystemRole::Member),
    ("sara", "Sara Lee", "en", SystemRole::Supervisor),
];

const GENERAL: &[(&str, &str)] = &[
    ("anna", "Всем привет! Это наш общий канал — пишите сюда всё, что касается команды. 👋"),
    ("ivan", "Привет! Напоминаю правила: без спама и рекламы, за нарушения — предупреждение, потом бан."),
    ("mike", "Hi everyone! Glad to be here. Is there a channel for product questions?"),
    ("anna", "@mike yes — #support-ru and #support-en. Also check the pinned messages."),
    ("olga", "Сегодня много обращений по доставке, если кто-то свободен — подключайтесь к очереди."),
    ("sara", "I'll take the English queue after lunch. **Reminder:** CSAT review on Friday."),
    ("ivan", "Кстати, вчера забанили троих спамеров, которые рассылали ссылки на казино."),
    ("mike", "Nice. How do we ban someone in a group? Is there a guide?"),
    ("ivan", "Пока вручную: удаляем сообщение и исключаем из группы. Скоро будет модерация с правилами."),
];

const SUPPORT_RU: &[(&str, &str)] = &[
    ("olga", "Клиент спрашивает, можно ли изменить адрес доставки после оплаты заказа."),
    ("anna", "Можно, если заказ ещё не передан в службу доставки. Проверь статус в CRM."),
    ("olga", "Статус «собирается», значит меняю. Спасибо!"),
    ("ivan", "Шаблон ответа на возврат: «Вернуть товар можно в течение 14 дней, сохранив чек и упаковку»."),
];

const SUPPORT_EN: &[(&str, &str)] = &[
    ("sara", "Customer asks whether we ship to Kazakhstan. Do we?"),
    ("mike", "Yes, delivery takes 7–10 days. Pricing is on the `/delivery` page."),
    ("sara", "Thanks! Replying now."),
];

const DIRECT: &[(&str, &str)] = &[
    ("anna", "Оля, как прошла смена? Много было сложных диалогов?"),
    ("olga", "Нормально, один конфликтный клиент, но договорились. Запишу в заметки."),
];

pub async fn fill(store: &Store, password: &str) -> anyhow::Result<()> {
    if store.user_by_username("anna").await?.is_some() {
        bail!("demo data is already there (user anna exists); use a fresh data folder");
    }
    let hash = auth::hash_password(password)?;
    let mut ids = Vec::new();
    for (username, name, locale, role) in PEOPLE {
        let u = store
            .create_user(&NewUser {
                username: username.to_string(),
                display_name: name.to_string(),
                email: Some(format!("{username}@example.com")),
                password_hash: hash.clone(),
                locale: locale.to_string(),
                avatar_color: default_avatar_color(username).to_string(),
                role: *role,
            })
            .await?;
        ids.push((*username, u.id));
    }
    let id = |name: &str| ids.iter().find(|(n, _)| *n == name).map(|x| x.1).unwrap_or(0);
    let owner = id("anna");
    let general = steward_server::ensure_general_room(store, owner).await?;
    let others: Vec<i64> = ids.iter().map(|x| x.1).filter(|&i| i != owner).collect();
    store.add_members(general, &others, RoomRole::Member).await?;
    store.delete_setting(steward_server::web::SETUP_SETTING).await?;

    let room = |kind, name: &str, topic: &str, members: &[&str]| NewRoom {
        kind,
        name: name.into(),
        topic: topic.into(),
        created_by: owner,
        members: std::iter::once((owner, RoomRole::Owner))
            .chain(members.iter().map(|m| (id(m), RoomRole::Member)))
            .filter(|(uid, _)| *uid != 0)
            .collect(),
    };
    let (ru, _) = store
        .create_room(&room(RoomKind::Channel, "support-ru", "Вопросы клиентов на русском", &["ivan", "olga"]))
        .await?;
    let (en, _) = store
        .create_room(&room(RoomKind::Channel, "support-en", "Customer questions in English", &["mike", "sara"]))
        .await?;
    let (mods, _) =
        store.create_room(&room(RoomKind::Group, "moderators", "Только для модераторов", &["ivan"])).await?;
    let (news, _) = store
        .create_room(&room(
            RoomKind::Broadcast,
            "announcements",
            "Новости компании / Company news",
            &["ivan", "olga", "mike", "sara"],
        ))
        .await?;
    let (dm, _) = store
        .create_room(&NewRoom {
            kind: RoomKind::Direct,
            name: String::new(),
            topic: String::new(),
            created_by: owner,
            members: vec![(owner, RoomRole::Member), (id("olga"), RoomRole::Member)],
        })
        .await?;

    let post = |room_id: i64, who: &str, body: &str| NewMessage::compose(room_id, id(who), body);
    for (room_id, lines) in [(general, GENERAL), (ru.id, SUPPORT_RU), (en.id, SUPPORT_EN), (dm.id, DIRECT)] {
        for (who, body) in lines {
            store.post_message(&post(room_id, who, body)).await?;
        }
    }
    store.post_message(&post(mods.id, "ivan", "Список стоп-слов обновлён, проверьте, пожалуйста.")).await?;
    let pinned = store
        .post_message(&post(
            news.id,
            "anna",
            "**Добро пожаловать в Steward!** / Welcome to Steward! Здесь будут новости компании.",
        ))
        .await?;
    store.set_pinned(news.id, pinned.message.id, owner, true).await?;
    Ok(())
}
