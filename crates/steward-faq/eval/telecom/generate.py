import json
RU = "йцукенгшщзхъфывапролджэячсмитьбю"
EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,."
def L(s):  # Russian text typed with the English layout on
    return "".join(EN[RU.index(c)] if c in RU else c for c in s.lower())
def R(s):  # English text typed with the Russian layout on
    return "".join(RU[EN.index(c)] if c in EN else c for c in s.lower())

kb = []
def e(id, lang, questions, answer, category):
    kb.append({"id": id, "lang": lang, "questions": questions, "answer": answer, "category": category})

e("balance_check","ru",["Как проверить баланс?","Как узнать, сколько денег на счёте?"],"Наберите *100# или откройте приложение: баланс на главном экране.","billing")
e("balance_check","en",["How do I check my balance?","How much money is left on my account?"],"Dial *100# or open the app: the balance is on the home screen.","billing")
e("top_up","ru",["Как пополнить счёт?","Как положить деньги на телефон?"],"Пополнить счёт можно картой в приложении, через СБП или в терминалах.","billing")
e("top_up","en",["How do I top up my account?","How can I add money to my phone?"],"Top up by card in the app, via SBP or at payment terminals.","billing")
e("tariff_change","ru",["Как сменить тариф?","Как перейти на другой тариф?"],"Сменить тариф можно в приложении: «Тариф» → «Сменить». Переход бесплатный раз в месяц.","plans")
e("tariff_change","en",["How do I change my plan?","Can I switch to another tariff?"],"In the app: Plan → Change. Switching is free once a month.","plans")
e("roaming","ru",["Как подключить роуминг?","Будет ли работать связь за границей?"],"Роуминг включён по умолчанию; пакеты для поездок — в разделе «Путешествия».","roaming")
e("roaming","en",["How do I turn on roaming?","Will my phone work abroad?"],"Roaming is on by default; travel bundles are under Travel in the app.","roaming")
e("internet_slow","ru",["Почему медленный интернет?","Низкая скорость мобильного интернета"],"Проверьте остаток трафика и перезагрузите телефон; если не помогло — оставьте заявку в приложении.","internet")
e("internet_slow","en",["Why is my internet slow?","Mobile data speed is very low"],"Check your remaining data and restart the phone; if that does not help, file a request in the app.","internet")
e("no_signal","ru",["Нет сети, что делать?","Телефон не ловит связь"],"Включите и выключите режим полёта, проверьте карту покрытия на сайте.","network")
e("no_signal","en",["I have no signal","My phone shows no network"],"Toggle airplane mode and check the coverage map on our website.","network")
e("sim_replace","ru",["Как заменить SIM-карту?","Потерял сим-карту, как восстановить?"],"Замена SIM бесплатна в любом салоне связи по паспорту.","sim")
e("sim_replace","en",["How do I replace my SIM card?","I lost my SIM, how do I get a new one?"],"SIM replacement is free in any of our stores with your ID.","sim")
e("esim","ru",["Как подключить eSIM?","Можно ли перейти на электронную сим-карту?"],"eSIM выпускается в приложении: «Профиль» → «eSIM», QR-код придёт на почту.","sim")
e("esim","en",["How do I get an eSIM?","Can I switch to an electronic SIM?"],"Order an eSIM in the app: Profile → eSIM; the QR code comes by email.","sim")
e("port_number","ru",["Как перейти к вам со своим номером?","Перенос номера от другого оператора"],"Подайте заявку на перенос номера в салоне или на сайте, перенос занимает до 8 дней.","sim")
e("port_number","en",["Can I keep my number when switching to you?","How do I port my number from another carrier?"],"Request a number transfer in a store or on the website; it takes up to 8 days.","sim")
e("home_internet","ru",["Как подключить домашний интернет?","Можно ли провести интернет в квартиру?"],"Проверьте адрес на сайте и оставьте заявку — монтажник приедет в течение 3 дней.","home")
e("home_internet","en",["How do I get home internet?","Can you install broadband in my apartment?"],"Check your address on the website and order; an engineer comes within 3 days.","home")
e("router_setup","ru",["Как настроить роутер?","Как поменять пароль от Wi-Fi?"],"Откройте 192.168.0.1 в браузере, логин и пароль — на наклейке роутера.","home")
e("router_setup","en",["How do I set up the router?","How do I change the Wi-Fi password?"],"Open 192.168.0.1 in a browser; the login is on the router's sticker.","home")
e("call_details","ru",["Как получить детализацию звонков?","Где посмотреть расходы по номеру?"],"Детализация за 6 месяцев — в приложении: «Расходы» → «Детализация», можно отправить на почту.","billing")
e("call_details","en",["How do I get an itemised bill?","Where can I see my call history and charges?"],"Itemised bills for 6 months are in the app under Spending → Details.","billing")
e("autopay","ru",["Как настроить автоплатёж?","Можно ли, чтобы счёт пополнялся сам?"],"Автоплатёж настраивается в приложении: «Платежи» → «Автоплатёж», привяжите карту.","billing")
e("autopay","en",["How do I set up automatic payments?","Can my balance be topped up automatically?"],"In the app: Payments → Auto top-up, then link a card.","billing")
e("promised_payment","ru",["Что такое обещанный платёж?","Как взять деньги в долг, если закончились?"],"Обещанный платёж — до 500 ₽ на 3 дня: *106# или в приложении.","billing")
e("block_number","ru",["Как заблокировать номер?","У меня украли телефон, что делать?"],"Позвоните 0500 с любого телефона или заблокируйте номер в приложении на другом устройстве.","sim")
e("block_number","en",["How do I block my number?","My phone was stolen, what should I do?"],"Call 0500 from any phone or block the number in the app on another device.","sim")
e("paid_subscriptions","ru",["Как отключить платные подписки?","Списываются деньги за непонятные услуги"],"Список подписок — в приложении: «Услуги» → «Подписки», там же отключение.","billing")
e("paid_subscriptions","en",["How do I cancel paid subscriptions?","I'm being charged for services I didn't order"],"See and cancel subscriptions in the app under Services → Subscriptions.","billing")
e("terminate_contract","ru",["Как расторгнуть договор?","Хочу отказаться от ваших услуг"],"Расторгнуть договор можно в салоне связи по паспорту; оборудование нужно вернуть.","contract")
e("terminate_contract","en",["How do I terminate my contract?","I want to stop using your services"],"Terminate the contract in a store with your ID; return any equipment.","contract")
e("moving","ru",["Переезжаю, как перенести интернет на новый адрес?","Смена адреса подключения"],"Оформите переезд в приложении за неделю до даты — подключение на новом адресе бесплатно.","home")
e("moving","en",["I'm moving, can I take my internet to the new address?"],"Order a move in the app a week ahead; connecting the new address is free.","home")
e("tv","ru",["Как подключить телевидение?","Есть ли у вас ТВ-каналы?"],"ТВ подключается к домашнему интернету: 200 каналов, приставка в аренду за 99 ₽.","home")
e("tv","en",["Do you offer TV?","How do I add TV channels?"],"TV comes with home internet: 200 channels, set-top box for 99 ₽ a month.","home")
e("app_login","ru",["Не могу войти в приложение","Не приходит код для входа"],"Проверьте номер и подождите 2 минуты; если код не пришёл — нажмите «Отправить снова» или войдите по паролю.","app")
e("app_login","en",["I can't log in to the app","The login code doesn't arrive"],"Check the number and wait 2 minutes, then tap Resend or sign in with a password.","app")
e("stores","ru",["Где ближайший салон связи?","Часы работы офисов"],"Адреса и часы работы салонов — на карте на сайте; большинство работает с 10 до 21.","stores")
e("stores","en",["Where is the nearest store?","What are your store opening hours?"],"Store addresses and hours are on the map on our website; most open 10:00–21:00.","stores")
e("unlimited","ru",["Есть ли тариф с безлимитным интернетом?","Безлимит на мобильный интернет"],"Безлимитный интернет есть в тарифе «Максимум» за 990 ₽ в месяц.","plans")
e("unlimited","en",["Do you have an unlimited data plan?"],"Unlimited data is in the Maximum plan, 990 ₽ a month.","plans")
e("tethering","ru",["Можно ли раздавать интернет с телефона?","Как включить точку доступа?"],"Раздача интернета бесплатна на всех тарифах, кроме «Безлимит Лайт».","internet")
e("tethering","en",["Can I use my phone as a hotspot?","Is tethering allowed?"],"Hotspot sharing is free on all plans except Unlimited Lite.","internet")
e("change_number","ru",["Как сменить номер телефона?","Хочу новый номер"],"Сменить номер можно в приложении: «Профиль» → «Сменить номер», 100 ₽; красивые номера — дороже.","sim")
e("change_number","en",["How do I change my phone number?"],"Change your number in the app: Profile → Change number, 100 ₽.","sim")
e("spam_calls","ru",["Как заблокировать спам-звонки?","Надоели звонки от мошенников"],"Включите бесплатную услугу «Антиспам» в приложении: «Услуги» → «Защита».","services")
e("spam_calls","en",["How can I block spam calls?"],"Turn on the free Anti-spam service in the app: Services → Protection.","services")

qs = []
def q(exp, lang, text): qs.append((exp, lang, text))
# ru paraphrases, typos, slang, layout
for t in [
 ("balance_check","ru","сколько у меня денег на номере"),
 ("balance_check","ru","как узнать балланс"),
 ("balance_check","ru","скока осталось на счету?"),
 ("balance_check","ru",L("проверить баланс")),
 ("balance_check","en","whats my balance"),
 ("balance_check","en","how to see how much credit i have left"),
 ("top_up","ru","как закинуть деньги на телефон"),
 ("top_up","ru","пополнение картой через приложение"),
 ("top_up","ru","как оплатить связь"),
 ("top_up","ru",L("как пополнить счет")),
 ("top_up","en","how can i put money on my account"),
 ("top_up","en","top up with a card"),
 ("tariff_change","ru","хочу другой тариф, подешевле"),
 ("tariff_change","ru","как поменять тарифный план"),
 ("tariff_change","ru","смена тарифа платная?"),
 ("tariff_change","ru","перейти на тарив подешевле"),
 ("tariff_change","en","switch plans"),
 ("tariff_change","en","how to change my tarif"),
 ("roaming","ru","еду в турцию, будет ли работать телефон"),
 ("roaming","ru","как включить роуминг"),
 ("roaming","ru","связь за границей работает?"),
 ("roaming","ru",L("роуминг")),
 ("roaming","en","going to spain, will my sim work there"),
 ("roaming","en","roaming activation"),
 ("internet_slow","ru","интернет еле грузит"),
 ("internet_slow","ru","почему такая низкая скорость инета"),
 ("internet_slow","ru","мобильный интернет тормозит"),
 ("internet_slow","ru","медленый интернет что делать"),
 ("internet_slow","en","my data is super slow"),
 ("internet_slow","en","internet speed is bad"),
 ("no_signal","ru","телефон не видит сеть"),
 ("no_signal","ru","пропала связь"),
 ("no_signal","ru","нет сигнала дома"),
 ("no_signal","ru",L("нет сети")),
 ("no_signal","en","no network on my phone since morning"),
 ("no_signal","en","i have zero bars"),
 ("sim_replace","ru","потерял симку"),
 ("sim_replace","ru","сим карта сломалась, нужна новая"),
 ("sim_replace","ru","замена сим карты сколько стоит"),
 ("sim_replace","en","lost my sim card"),
 ("sim_replace","en","need a new sim, mine is damaged"),
 ("esim","ru","хочу есим"),
 ("esim","ru","как перейти на электронную симку"),
 ("esim","ru","подключение esim"),
 ("esim","en","does my phone support esim, how do i get one"),
 ("esim","en","esim activation"),
 ("port_number","ru","хочу перейти к вам и сохранить номер"),
 ("port_number","ru","как перенести номер от мтс"),
 ("port_number","ru","переход со своим номером сколько дней"),
 ("port_number","en","can i bring my number from another provider"),
 ("port_number","en","number porting"),
 ("home_internet","ru","хочу провести интернет домой"),
 ("home_internet","ru","подключение домашнего интернета в новостройке"),
 ("home_internet","ru","есть ли у вас интернет для квартиры"),
 ("home_internet","ru",L("домашний интернет")),
 ("home_internet","en","i need broadband at home"),
 ("home_internet","en","home internet installation"),
 ("router_setup","ru","как сменить пароль на вайфай"),
 ("router_setup","ru","настройка роутера"),
 ("router_setup","ru","забыл пароль от wi-fi"),
 ("router_setup","ru","роутер не настраивается, как зайти в настройки"),
 ("router_setup","en","how to change wifi password"),
 ("router_setup","en","router configuration"),
 ("call_details","ru","где посмотреть историю звонков"),
 ("call_details","ru","нужна детализация за месяц"),
 ("call_details","ru","куда уходят деньги со счета, хочу посмотреть расходы"),
 ("call_details","ru","детализацыя звонков"),
 ("call_details","en","where can i see my call history"),
 ("call_details","en","itemized bill"),
 ("autopay","ru","как сделать автопополнение"),
 ("autopay","ru","хочу чтобы деньги списывались с карты автоматически"),
 ("autopay","ru","настроить автоплатеж"),
 ("autopay","en","auto top up"),
 ("autopay","en","can you charge my card automatically every month"),
 ("promised_payment","ru","деньги закончились, можно в долг?"),
 ("promised_payment","ru","как взять обещаный платеж"),
 ("promised_payment","ru","нужен кредит на связь до зарплаты"),
 ("promised_payment","ru",L("обещанный платеж")),
 ("block_number","ru","украли телефон"),
 ("block_number","ru","потерял телефон, как заблокировать симку"),
 ("block_number","ru","срочно заблокируйте номер"),
 ("block_number","en","my phone got stolen"),
 ("block_number","en","block my sim please, lost the phone"),
 ("paid_subscriptions","ru","списывают деньги за какие-то подписки"),
 ("paid_subscriptions","ru","как отключить платные услуги"),
 ("paid_subscriptions","ru","что за списания каждый день по 30 рублей"),
 ("paid_subscriptions","ru","отключить подписки"),
 ("paid_subscriptions","en","unsubscribe from paid services"),
 ("paid_subscriptions","en","why am i being charged for subscriptions"),
 ("terminate_contract","ru","хочу расторгнуть договор"),
 ("terminate_contract","ru","как отказаться от интернета совсем"),
 ("terminate_contract","ru","расторжение договора"),
 ("terminate_contract","en","cancel my contract"),
 ("terminate_contract","en","how to terminate the service"),
 ("moving","ru","переезжаю в другую квартиру, что с интернетом"),
 ("moving","ru","перенести интернет на другой адрес"),
 ("moving","ru","смена адреса подключения интернета"),
 ("moving","en","moving house, how do i move my internet"),
 ("moving","en","transfer internet to a new address"),
 ("tv","ru","хочу телевидение"),
 ("tv","ru","есть ли у вас тв"),
 ("tv","ru","сколько каналов в тв пакете"),
 ("tv","en","tv channels"),
 ("tv","en","do you have television service"),
 ("app_login","ru","не приходит смс с кодом"),
 ("app_login","ru","не могу зайти в приложуху"),
 ("app_login","ru","приложение не пускает, код не приходит"),
 ("app_login","ru",L("не могу войти в приложение")),
 ("app_login","en","cant login to the app"),
 ("app_login","en","verification code not coming"),
 ("stores","ru","где ваш офис"),
 ("stores","ru","адрес ближайшего салона"),
 ("stores","ru","до скольки работает салон связи"),
 ("stores","en","store near me"),
 ("stores","en","what time does your shop close"),
 ("unlimited","ru","есть безлимит?"),
 ("unlimited","ru","нужен безлимитный интернет на телефон"),
 ("unlimited","ru","тариф без ограничений по трафику"),
 ("unlimited","en","unlimited data"),
 ("unlimited","en","is there a plan with no data cap"),
 ("tethering","ru","можно раздать вайфай с телефона на ноутбук"),
 ("tethering","ru","раздача интернета платная?"),
 ("tethering","ru","как включить режим модема"),
 ("tethering","en","hotspot from my phone"),
 ("tethering","en","can i share my data with my laptop"),
 ("change_number","ru","хочу поменять номер"),
 ("change_number","ru","как получить новый номер телефона"),
 ("change_number","ru","смена номера сколько стоит"),
 ("change_number","en","i want a different phone number"),
 ("change_number","en","new number please"),
 ("spam_calls","ru","достали спам звонки"),
 ("spam_calls","ru","звонят мошенники, как заблокировать"),
 ("spam_calls","ru","как включить антиспам"),
 ("spam_calls","en","stop spam calls"),
 ("spam_calls","en","scam calls every day, how to block them"),
 ("balance_check","en", R("check balance")),
 ("top_up","en", R("top up")),
]: q(*t)
# out of scope
for t in [
 ("-","ru","какой курс доллара сегодня"),
 ("-","ru","вы продаёте телефоны в кредит?"),
 ("-","ru","посоветуйте хороший смартфон до 20 тысяч"),
 ("-","ru","у вас есть вакансии в салонах?"),
 ("-","ru","как приготовить борщ"),
 ("-","ru","почему небо голубое"),
 ("-","ru","можно ли оформить страховку на телефон"),
 ("-","ru","мне пришёл счёт за интернет в два раза больше, я буду жаловаться в суд"),
 ("-","ru","ремонтируете ли вы телефоны?"),
 ("-","en","what's the weather in london"),
 ("-","en","do you sell iphones"),
 ("-","en","can i get a job at your company"),
 ("-","en","who won the football game yesterday"),
 ("-","en","do you have a referral program"),
 ("-","en","tell me a joke"),
]: q(*t)
# explicit human requests
for t in [
 ("-","ru","оператор"),
 ("-","ru","соедините с оператором"),
 ("-","ru","позовите живого человека"),
 ("-","ru","хочу поговорить с сотрудником"),
 ("-","ru","можно специалиста?"),
 ("-","ru","дайте менеджера пожалуйста"),
 ("-","ru","оператора позови"),
 ("-","ru",L("оператор")),
 ("-","ru","опертор"),
 ("-","ru","переключите на человека, бот не помогает"),
 ("-","en","human"),
 ("-","en","talk to an agent"),
 ("-","en","i want to speak to a real person"),
 ("-","en","connect me with support staff"),
 ("-","en","representative please"),
 ("-","en","get me a human"),
 ("-","en", R("operator")),
]: q(*t)

json.dump(kb, open("kb.json","w"), ensure_ascii=False, indent=1)
with open("questions.tsv","w") as f:
    f.write("expected\tlang\tquestion\n")
    for exp, lang, text in qs:
        f.write(f"{exp}\t{lang}\t{text}\n")
ids = {k["id"] for k in kb}
assert all(e in ids for e,_,_ in qs if e != "-"), [e for e,_,_ in qs if e not in ids and e!="-"]
print(len(kb), "entries", len(ids), "topics", len(qs), "questions")
