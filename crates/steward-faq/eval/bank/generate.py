"""Held-out set: a retail bank's chat support. Written after the matcher was final and measured
once; regenerate with `python3 generate.py` (writes kb.json and questions.tsv here)."""
import json
RU = "йцукенгшщзхъфывапролджэячсмитьбю"
EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,."
def L(s): return "".join(EN[RU.index(c)] if c in RU else c for c in s.lower())

kb = []
def e(id, lang, questions, answer, category="bank"):
    kb.append({"id": id, "lang": lang, "questions": questions, "answer": answer, "category": category})

e("block_card","ru",["Как заблокировать карту?","Потерял карту, что делать?"],"Заблокируйте карту в приложении: «Карты» → «Заблокировать», или позвоните 900.")
e("block_card","en",["How do I block my card?","I lost my card"],"Block the card in the app: Cards → Block, or call 900.")
e("card_delivery","ru",["Когда привезут карту?","Как получить новую карту?"],"Курьер привезёт карту за 1–3 дня, дату можно выбрать в приложении.")
e("card_delivery","en",["When will my card be delivered?","How do I get a new card?"],"A courier brings the card in 1–3 days; pick the date in the app.")
e("transfer_limits","ru",["Какие лимиты на переводы?","Сколько можно перевести без комиссии?"],"Без комиссии — до 100 000 ₽ в месяц по СБП, дальше 0,5 %.")
e("transfer_limits","en",["What are the transfer limits?","How much can I send without a fee?"],"Free up to 100,000 ₽ a month via SBP, then 0.5 %.")
e("cashback","ru",["Как работает кэшбэк?","Когда начислят кэшбэк?"],"Кэшбэк 1 % на всё, начисляется в начале следующего месяца.")
e("cashback","en",["How does cashback work?","When is cashback paid?"],"1 % cashback on everything, paid at the start of next month.")
e("deposit_rates","ru",["Какие ставки по вкладам?","Где выгодно открыть вклад?"],"Ставки по вкладам — до 16 % годовых, условия на странице «Вклады».")
e("deposit_rates","en",["What are your deposit rates?","How do I open a savings account?"],"Deposit rates up to 16 % a year; see the Deposits page.")
e("loan_apply","ru",["Как оформить кредит?","Можно взять кредит наличными?"],"Заявку на кредит можно подать в приложении, решение — за 2 минуты.")
e("loan_apply","en",["How do I apply for a loan?","Can I get a personal loan?"],"Apply in the app; a decision takes 2 minutes.")
e("statement","ru",["Как получить выписку по счёту?","Нужна справка о движении средств"],"Выписка — в приложении: «Счёт» → «Выписка», PDF придёт на почту.")
e("statement","en",["How do I get a bank statement?"],"Statements are in the app: Account → Statement; the PDF comes by email.")
e("pin_change","ru",["Как сменить ПИН-код?","Забыл ПИН от карты"],"Новый ПИН можно задать в приложении: «Карта» → «Сменить ПИН».")
e("pin_change","en",["How do I change my PIN?","I forgot my card PIN"],"Set a new PIN in the app: Card → Change PIN.")
e("foreign_currency","ru",["Можно ли платить картой за границей?","Как купить валюту?"],"Карта работает в 150 странах; валюту можно купить в приложении по курсу банка.")
e("foreign_currency","en",["Can I use my card abroad?","How do I buy foreign currency?"],"The card works in 150 countries; buy currency in the app at the bank's rate.")
e("dispute","ru",["Как оспорить операцию?","Списали деньги, а я ничего не покупал"],"Оспорьте операцию в приложении: откройте её и нажмите «Оспорить»; ответ — до 30 дней.")
e("dispute","en",["How do I dispute a transaction?","There's a charge I didn't make"],"Open the transaction in the app and tap Dispute; we answer within 30 days.")
e("close_account","ru",["Как закрыть счёт?","Хочу закрыть карту"],"Закрыть счёт можно в приложении или в отделении, если на нём нет долга.")
e("close_account","en",["How do I close my account?"],"Close the account in the app or at a branch if nothing is owed.")
e("branches","ru",["Где ближайшее отделение?","Где найти банкомат?"],"Отделения и банкоматы — на карте в приложении, раздел «Рядом».")
e("branches","en",["Where is the nearest branch?","Where can I find an ATM?"],"Branches and ATMs are on the map in the app, under Nearby.")

qs = []
def q(exp, lang, text): qs.append((exp, lang, text))
for t in [
 ("block_card","ru","украли карту, срочно заблокируйте"),
 ("block_card","ru","как заблокировать карточку"),
 ("block_card","ru",L("заблокировать карту")),
 ("block_card","en","my card was stolen"),
 ("block_card","en","freeze my card"),
 ("card_delivery","ru","когда доставят карту"),
 ("card_delivery","ru","курьер с картой когда приедет"),
 ("card_delivery","en","card delivery"),
 ("card_delivery","en","where is my new card"),
 ("transfer_limits","ru","лимит на переводы"),
 ("transfer_limits","ru","какая комиссия за перевод"),
 ("transfer_limits","ru","скоко можно перевести бесплатно"),
 ("transfer_limits","en","transfer fee"),
 ("transfer_limits","en","is there a limit on transfers"),
 ("cashback","ru","когда придет кэшбек"),
 ("cashback","ru","сколько кешбэка"),
 ("cashback","en","cashback"),
 ("cashback","en","when do i get my cash back"),
 ("deposit_rates","ru","под какой процент вклад"),
 ("deposit_rates","ru","ставка по депозиту"),
 ("deposit_rates","en","savings interest rate"),
 ("loan_apply","ru","хочу взять кредит"),
 ("loan_apply","ru","оформить займ"),
 ("loan_apply","ru",L("кредит наличными")),
 ("loan_apply","en","apply for a loan"),
 ("loan_apply","en","i need to borrow money"),
 ("statement","ru","выписка по карте"),
 ("statement","ru","нужна справка для визы о движении денег"),
 ("statement","en","account statement pdf"),
 ("pin_change","ru","забыла пин"),
 ("pin_change","ru","поменять пин код"),
 ("pin_change","en","reset my pin"),
 ("pin_change","en","change pin"),
 ("foreign_currency","ru","работает ли карта в турции"),
 ("foreign_currency","ru","купить доллары"),
 ("foreign_currency","en","using my card overseas"),
 ("foreign_currency","en","buy euros"),
 ("dispute","ru","списали деньги за то, что я не покупал"),
 ("dispute","ru","как отменить чужую операцию"),
 ("dispute","en","unknown charge on my card"),
 ("dispute","en","dispute a payment"),
 ("close_account","ru","закрыть счет"),
 ("close_account","ru","как закрыть карту и счёт"),
 ("close_account","en","close account"),
 ("branches","ru","где банкомат рядом"),
 ("branches","ru","адрес отделения"),
 ("branches","en","atm near me"),
 ("branches","en","nearest branch"),
]: q(*t)
for t in [
 ("-","ru","какой курс биткоина"),
 ("-","ru","вы даёте ипотеку на дачу?"),
 ("-","ru","кто ваш председатель правления"),
 ("-","en","can i open an account for my dog"),
 ("-","en","what's the weather tomorrow"),
 ("-","ru","мне нужен оператор"),
 ("-","ru","переключите на сотрудника банка"),
 ("-","en","speak to a human"),
 ("-","en","agent"),
 ("-","ru",L("позовите оператора")),
]: q(*t)

json.dump(kb, open("kb.json","w"), ensure_ascii=False, indent=1)
with open("questions.tsv","w") as f:
    f.write("expected\tlang\tquestion\n")
    for exp, lang, text in qs:
        f.write(f"{exp}\t{lang}\t{text}\n")
print(len(kb), "entries", len(qs), "questions")
