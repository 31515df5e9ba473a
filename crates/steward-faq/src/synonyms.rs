//! Synonym groups: words and phrases that mean the same thing to a support desk. A group may mix
//! Russian and English ("возврат, вернуть, refund, return"). Members are matched by their stems,
//! so one form of a word covers its inflections; a member may be several words ("личный
//! кабинет").
//!
//! Admins write groups one per line, members separated by commas (`#` starts a comment):
//!
//! ```text
//! посылка, заказ, parcel, order
//! вернуть, возврат, refund
//! ```

use serde::{Deserialize, Serialize};

/// A set of synonym groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Synonyms {
    pub groups: Vec<Vec<String>>,
}

impl Synonyms {
    pub fn empty() -> Synonyms {
        Synonyms::default()
    }

    /// The shipped set: shop and support-desk vocabulary in Russian and English.
    pub fn builtin() -> Synonyms {
        Synonyms::parse(BUILTIN)
    }

    /// Groups from the admin text format (see the module documentation). Blank members and
    /// groups of fewer than two members are dropped: they would match nothing new.
    pub fn parse(text: &str) -> Synonyms {
        let groups = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .map(|l| l.split(',').map(str::trim).filter(|m| !m.is_empty()).map(String::from).collect::<Vec<_>>())
            .filter(|g| g.len() >= 2)
            .collect();
        Synonyms { groups }
    }

    /// Adds a group (e.g. one an admin entered).
    pub fn add_group<S: AsRef<str>>(&mut self, members: &[S]) {
        let group: Vec<String> =
            members.iter().map(|m| m.as_ref().trim().to_string()).filter(|m| !m.is_empty()).collect();
        if group.len() >= 2 {
            self.groups.push(group);
        }
    }

    /// This set followed by another's groups (the builtin set plus an admin's).
    pub fn with(mut self, other: &Synonyms) -> Synonyms {
        self.groups.extend(other.groups.iter().cloned());
        self
    }

    pub fn to_text(&self) -> String {
        self.groups.iter().map(|g| g.join(", ")).collect::<Vec<_>>().join("\n")
    }
}

/// General shop and support-desk vocabulary. Kept to meanings that hold in any shop or service;
/// domain words belong in an installation's own groups.
const BUILTIN: &str = "
# orders and parcels
заказ, посылка, посылку, отправление, покупка, заказик, order, package, parcel, shipment, purchase
# delivery
доставка, доставить, доставят, привезти, привезут, везти, везете, курьер, отправка, отправить, delivery, deliver, shipping, ship, courier, dispatch
прийти, придет, пришел, пришла, приходит, получить, arrive, arrival, receive, come
срок, сроки, долго, сколько дней, сколько ждать, ждать, сколько времени, время, how long, how many days, wait, time
# returns and refunds
вернуть, возврат, вернуть деньги, сдать, сдать обратно, не подошел, не подошла, не подошли, не подходит, refund, return, send back, money back, does not fit, did not fit
обменять, обмен, exchange, swap
# money
цена, стоимость, стоит, сколько стоит, платный, плата, price, cost, charge, fee, rate
бесплатно, бесплатный, бесплатная, даром, free, no charge
оплата, оплатить, заплатить, платить, расплатиться, оплачивать, платеж, pay, payment, paying
карта, картой, карточка, банковская карта, card, credit card, debit card
наличные, наличными, наличка, нал, cash
деньги, средства, money, funds
счет, чек, квитанция, инвойс, invoice, receipt, bill
скидка, промокод, купон, промо, код скидки, discount, promo code, promo, coupon, voucher
# changes
отменить, отмена, аннулировать, передумал, передумала, cancel, cancellation, call off
изменить, поменять, сменить, исправить, редактировать, change, edit, modify, update, correct
удалить, удаление, стереть, delete, remove, erase
адрес, address
# accounts
пароль, password, passcode
войти, вход, зайти, логин, авторизоваться, залогиниться, login, log in, sign in, signin
зарегистрироваться, регистрация, создать аккаунт, register, sign up, signup, registration
аккаунт, личный кабинет, кабинет, профиль, учетная запись, учетка, account, profile
забыл, забыла, забыть, восстановить, сбросить, восстановление, forgot, forget, reset, recover, restore
# service
гарантия, гарантийный, warranty, guarantee
самовывоз, забрать, забрать самому, пункт выдачи, пункты выдачи, pickup, pick up, collect, pickup point
график, время работы, часы работы, режим работы, рабочие часы, working hours, business hours, открываетесь, закрываетесь, opening hours, hours, open, close, schedule
работать, работаете, работает, work, working, operate
выходные, воскресенье, суббота, праздники, weekend, sunday, saturday, holidays
отследить, трек, трек номер, трек-номер, отслеживание, статус, track, tracking, tracking number, status
где, where
когда, when
сколько, how much, how many
бот, чат-бот, чатбот, робот, bot, chatbot, robot
администратор, админ, модератор, admin, administrator, moderator
отличаться, отличается, разница, отличие, difference, differ, different
сломан, сломался, брак, бракованный, разбит, разбитый, поврежден, дефект, не работает, broken, damaged, defective, faulty
поддержка, техподдержка, служба поддержки, support, customer service, helpdesk
телефон, номер телефона, phone, phone number, mobile
почта, письмо, email, e-mail, mail, электронная почта
уведомление, уведомления, оповещение, notification, notifications, alert
подписка, subscription
тариф, тарифный план, plan, pricing plan
продлить, продление, renew, renewal, extend
приложение, app, application
скачать, загрузить, установить, download, install
ошибка, проблема, баг, сбой, error, problem, bug, issue, glitch
товар, вещь, продукт, item, product, goods
размер, size
быстро, срочно, экспресс, fast, quick, express, urgent
купить, приобрести, заказать, оформить заказ, buy, order, place an order, checkout
подарочный сертификат, подарочная карта, сертификат, gift card, gift certificate, gift voucher
бонусы, баллы, кэшбэк, бонусные баллы, cashback, bonus, bonus points, loyalty points, points
наличие, в наличии, есть в наличии, in stock, available, availability
жалоба, пожаловаться, претензия, complaint, complain
отзыв, оставить отзыв, review, feedback
рассылка, подписаться на рассылку, отписаться, newsletter, mailing list, unsubscribe
опт, оптом, оптовый, wholesale, bulk
юрлицо, юридическое лицо, организация, компания, ип, company, business, legal entity
примерить, примерка, try on, fitting
упаковка, упаковать, packaging, wrapping, gift wrap
при получении, наложенный платеж, cash on delivery, pay on delivery
не прошел, не проходит, отклонен, отклонили, declined, failed, did not go through
дважды, два раза, повторно, twice, double, two times
цвет, расцветка, color, colour
подделка, оригинал, оригинальный, fake, original, authentic, genuine
# accounts with a balance (phones, wallets, services)
пополнить, пополнение, закинуть, положить деньги, закинуть деньги, зачислить, top up, topup, recharge, add money, put money, refill
списание, списывать, списали, списывают, списываются, снимают деньги, debit, debited, deducted, charged
кредит, в долг, долг, взаймы, рассрочка, loan, borrow, credit, installment, installments
история, детализация, выписка, history, statement, itemised, itemized
автоматически, автоматом, сам, сама, auto, automatic, automatically
ежемесячно, каждый месяц, monthly, every month
дешевле, подешевле, дешевый, cheaper, cheap, less expensive
безлимит, безлимитный, без ограничений, неограниченный, unlimited, no limit, no cap
# connections and devices
медленный, медленно, тормозит, тормозит, виснет, лагает, еле грузит, низкая скорость, slow, slowly, lag, laggy, sluggish
связь, сеть, сигнал, покрытие, signal, network, coverage, reception, connection
интернет, internet, онлайн доступ
смс, sms, сообщение, text message
ноутбук, компьютер, пк, laptop, computer, pc
телевидение, тв, телевизор, каналы, tv, television, channels
# safety
заблокировать, блокировка, блокировать, block, lock, freeze
украсть, украли, кража, stolen, steal, theft
потерять, потерял, потеряла, потеря, lost, lose
# places and moves
магазин, салон, офис, отделение, store, shop, office, branch
переезд, переехать, переезжаю, переезжаем, moving, move, relocate
за границей, за рубежом, заграница, поездка, abroad, overseas, travel, trip
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_admin_groups() {
        let s = Synonyms::parse("посылка, заказ # parcels\n\nодно\n вернуть ,возврат, refund ");
        assert_eq!(s.groups, vec![vec!["посылка", "заказ"], vec!["вернуть", "возврат", "refund"]]);
        assert_eq!(Synonyms::parse(&s.to_text()), s);
    }

    #[test]
    fn builtin_is_not_empty() {
        assert!(Synonyms::builtin().groups.len() > 40);
    }
}
