"""Held-out set: a project-management SaaS help desk. Written after the matcher was tuned and
never tuned on; regenerate with `python3 generate.py` (writes kb.json and questions.tsv here)."""
import json
RU = "йцукенгшщзхъфывапролджэячсмитьбю"
EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,."
def L(s): return "".join(EN[RU.index(c)] if c in RU else c for c in s.lower())

kb = []
def e(id, lang, questions, answer, category="help"):
    kb.append({"id": id, "lang": lang, "questions": questions, "answer": answer, "category": category})

e("invite_members","ru",["Как пригласить коллег в проект?","Как добавить участника в команду?"],"Откройте «Команда» → «Пригласить» и введите email коллеги.")
e("invite_members","en",["How do I invite teammates?","How can I add a member to my workspace?"],"Go to Team → Invite and enter your colleague's email.")
e("pricing","ru",["Сколько стоит подписка?","Какие у вас тарифы?"],"Free — до 3 человек, Team — 490 ₽ за пользователя в месяц, Business — 890 ₽.")
e("pricing","en",["How much does it cost?","What plans do you offer?"],"Free for up to 3 people, Team 490 ₽ per user a month, Business 890 ₽.")
e("cancel_subscription","ru",["Как отменить подписку?","Как перестать платить за сервис?"],"Отмените подписку в «Настройки» → «Оплата»; доступ сохранится до конца периода.")
e("cancel_subscription","en",["How do I cancel my subscription?","How do I stop being billed?"],"Cancel under Settings → Billing; access stays until the end of the period.")
e("export_data","ru",["Как выгрузить задачи в Excel?","Можно ли экспортировать данные?"],"«Проект» → «Экспорт»: CSV, Excel или JSON.")
e("export_data","en",["How do I export my tasks?","Can I download my data as CSV?"],"Project → Export: CSV, Excel or JSON.")
e("two_factor","ru",["Как включить двухфакторную аутентификацию?","Как защитить аккаунт кодом из приложения?"],"«Профиль» → «Безопасность» → «Двухфакторная аутентификация».")
e("two_factor","en",["How do I turn on two-factor authentication?","How do I enable 2FA?"],"Profile → Security → Two-factor authentication.")
e("delete_account","ru",["Как удалить аккаунт?","Хочу удалить все свои данные"],"«Профиль» → «Удалить аккаунт»; данные стираются через 30 дней.")
e("delete_account","en",["How do I delete my account?","Please erase all my data"],"Profile → Delete account; data is erased after 30 days.")
e("integrations","ru",["Есть ли интеграция со Slack?","Какие сервисы можно подключить?"],"Slack, Telegram, GitHub, Google Calendar — в разделе «Интеграции».")
e("integrations","en",["Do you integrate with Slack?","Which apps can I connect?"],"Slack, Telegram, GitHub and Google Calendar, under Integrations.")
e("invoice","ru",["Как получить счёт для бухгалтерии?","Нужны закрывающие документы"],"Счета и акты — в «Настройки» → «Оплата» → «Документы».")
e("invoice","en",["How do I get an invoice?","Where are my receipts?"],"Invoices and receipts are under Settings → Billing → Documents.")
e("offline","ru",["Работает ли приложение без интернета?","Есть офлайн-режим?"],"Мобильное приложение работает офлайн и синхронизируется при подключении.")
e("offline","en",["Does the app work offline?"],"The mobile app works offline and syncs when you reconnect.")
e("trial","ru",["Есть ли пробный период?","Можно попробовать бесплатно?"],"14 дней тарифа Business бесплатно, карта не нужна.")
e("trial","en",["Is there a free trial?","Can I try it for free?"],"14 days of Business free, no card needed.")
e("change_email","ru",["Как сменить email?","Как поменять почту в профиле?"],"«Профиль» → «Email» → подтвердите новый адрес по ссылке.")
e("change_email","en",["How do I change my email address?"],"Profile → Email, then confirm the new address from the link.")
e("notifications","ru",["Как отключить уведомления?","Слишком много писем от сервиса"],"«Профиль» → «Уведомления»: выберите, о чём сообщать.")
e("notifications","en",["How do I turn off notifications?","I get too many emails"],"Profile → Notifications: choose what to hear about.")
e("data_location","ru",["Где хранятся данные?","Серверы в России?"],"Данные хранятся в дата-центрах в Москве, резервные копии — в Санкт-Петербурге.")
e("data_location","en",["Where is my data stored?"],"Data is stored in Moscow data centres with backups in St Petersburg.")
e("restore_task","ru",["Как восстановить удалённую задачу?","Случайно удалил задачу"],"Удалённые задачи 30 дней лежат в «Корзине» проекта.")
e("restore_task","en",["How do I restore a deleted task?","I deleted a task by mistake"],"Deleted tasks stay in the project's Trash for 30 days.")

qs = []
def q(exp, lang, text): qs.append((exp, lang, text))
for t in [
 ("invite_members","ru","как добавить сотрудника в проект"),
 ("invite_members","ru","пригласить коллегу"),
 ("invite_members","ru",L("как пригласить коллег")),
 ("invite_members","en","add people to my team"),
 ("invite_members","en","how to invite a colegue"),
 ("pricing","ru","скока стоит"),
 ("pricing","ru","цена за пользователя"),
 ("pricing","ru","какие тарифы есть"),
 ("pricing","en","pricing"),
 ("pricing","en","how much per user"),
 ("cancel_subscription","ru","хочу отменить подписку"),
 ("cancel_subscription","ru","как отписаться и не платить"),
 ("cancel_subscription","en","cancel my plan"),
 ("cancel_subscription","en","stop billing me"),
 ("export_data","ru","выгрузка задач в эксель"),
 ("export_data","ru","экспорт проекта"),
 ("export_data","en","export to csv"),
 ("export_data","en","download all tasks"),
 ("two_factor","ru","как включить 2fa"),
 ("two_factor","ru","двухфакторка"),
 ("two_factor","en","enable two factor"),
 ("two_factor","en","2fa setup"),
 ("delete_account","ru","удалите мой аккаунт"),
 ("delete_account","ru","как удалить профиль"),
 ("delete_account","en","delete account"),
 ("delete_account","en","remove my account and data"),
 ("integrations","ru","подключить слак"),
 ("integrations","ru","интеграция с телеграмом"),
 ("integrations","en","slack integration"),
 ("integrations","en","can i connect github"),
 ("invoice","ru","нужен счет на оплату для бухгалтерии"),
 ("invoice","ru","где акты"),
 ("invoice","en","invoice please"),
 ("invoice","en","where do i find receipts"),
 ("offline","ru","работает без интернета?"),
 ("offline","ru","офлайн режим"),
 ("offline","en","offline mode"),
 ("trial","ru","есть бесплатный период?"),
 ("trial","ru","можно потестить бесплатно"),
 ("trial","en","free trial"),
 ("trial","en","can i test it before paying"),
 ("change_email","ru","поменять email"),
 ("change_email","ru","сменить почту"),
 ("change_email","en","update my email"),
 ("notifications","ru","выключить уведомления"),
 ("notifications","ru","достали письма"),
 ("notifications","en","too many notifications"),
 ("notifications","en","stop emails"),
 ("data_location","ru","где хранятся мои данные"),
 ("data_location","ru","в какой стране сервера"),
 ("data_location","en","where are your servers"),
 ("restore_task","ru","удалил задачу, как вернуть"),
 ("restore_task","ru","где корзина"),
 ("restore_task","en","undo delete task"),
 ("restore_task","en","recover deleted task"),
]: q(*t)
for t in [
 ("-","ru","как написать хорошее резюме"),
 ("-","ru","у вас есть мобильное приложение для часов?"),
 ("-","ru","сколько вам лет"),
 ("-","en","what is agile"),
 ("-","en","is there a desktop app for linux"),
 ("-","en","who is your ceo"),
 ("-","ru","позовите кого-нибудь из поддержки"),
 ("-","ru","соедините с менеджером"),
 ("-","ru",L("оператор")),
 ("-","en","i need a human"),
 ("-","en","live agent please"),
]: q(*t)

json.dump(kb, open("kb.json","w"), ensure_ascii=False, indent=1)
with open("questions.tsv","w") as f:
    f.write("expected\tlang\tquestion\n")
    for exp, lang, text in qs:
        f.write(f"{exp}\t{lang}\t{text}\n")
print(len(kb), "entries", len(qs), "questions")
