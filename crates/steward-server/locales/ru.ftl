# Steward — русский.
# Ключи с префиксом `js-` уходят в браузерный скрипт (форматируются без
# аргументов; `{ $var }` скрипт подставляет сам). Множественное число для
# скрипта — отдельные ключи с окончаниями -one / -few / -many / -other.

## Продукт

app-name = Steward
app-tagline = Командный чат на вашем собственном сервере.
skip-to-content = Перейти к содержимому
noscript = Для работы чата нужен JavaScript.

## Вход и первый запуск

login-title = Вход
login-username = Имя пользователя или e-mail
login-password = Пароль
login-submit = Войти
login-footer = Забыли пароль? Обратитесь к администратору сервера.
setup-title = Учётная запись владельца
setup-lead = Это первый запуск. Учётная запись, которую вы сейчас создадите, управляет всем сервером.
setup-username-hint = 2–32 символа: латинские буквы, цифры, точка, дефис или подчёркивание. Используется в @упоминаниях.
setup-submit = Создать и начать
password-hint = Не менее 8 символов.
form-optional = (необязательно)

## Боковая панель

nav-sidebar = Навигация
nav-open = Открыть навигацию
nav-close = Закрыть навигацию
nav-rooms = Комнаты
nav-channels = Каналы
nav-groups = Группы
nav-direct = Личные сообщения
nav-channels-empty = Каналов пока нет.
nav-groups-empty = Групп пока нет.
nav-direct-empty = Переписок пока нет.
nav-filter-label = Найти комнату
nav-filter-placeholder = Перейти к…
nav-filter-empty = Подходящих комнат нет.
nav-settings = Настройки
nav-logout = Выйти
unread-count = { $count ->
    [one] { $count } непрочитанное сообщение
    [few] { $count } непрочитанных сообщения
   *[many] { $count } непрочитанных сообщений
}
mention-count = { $count ->
    [one] { $count } упоминание
    [few] { $count } упоминания
   *[many] { $count } упоминаний
}
presence-online = В сети
presence-away = Нет на месте
presence-offline = Не в сети

## Диалоги

browse-channels = Обзор каналов
browse-filter = Фильтр каналов
create-room = Создать комнату
create-channel = Создать канал
create-group = Создать группу
create-room-name-placeholder = например, дизайн
create-room-submit = Создать
kind-channel = Канал
kind-channel-hint = Открытый: любой на сервере может найти его и вступить.
kind-group = Закрытая группа
kind-group-hint = Закрытая: видна только приглашённым участникам.
kind-broadcast = Канал объявлений
kind-broadcast-hint = Открытый, но писать могут только владельцы, модераторы и редакторы.
dm-new = Новое личное сообщение
dm-who = Собеседники
dm-hint = До 8 человек. Если такая переписка уже есть, она откроется.
dm-submit = Открыть переписку
dialog-cancel = Отмена
dialog-close = Закрыть
dialog-confirm = Подтвердить
picker-placeholder = Введите имя…
picker-results = Найденные люди

## Переписка

members-title = Участники
members-add = Добавить участников
members-add-submit = Добавить
members-count = { $count ->
    [one] { $count } участник
    [few] { $count } участника
   *[many] { $count } участников
}
pins-title = Закреплённые сообщения
panel-close = Закрыть панель
room-leave = Покинуть комнату
room-join = Вступить
room-preview-notice = Вы просматриваете канал. Вступите, чтобы участвовать.
room-readonly-notice = Писать здесь могут только владельцы, модераторы и редакторы. Ставить реакции можно.
room-archived-notice = Комната в архиве и доступна только для чтения.
room-start = Это самое начало переписки.
conn-reconnecting = Соединение потеряно. Переподключение…
messages-label = Сообщения в «{ $room }»
messages-loading = Загрузка предыдущих сообщений…
jump-latest = К последним
composer-label = Написать сообщение
composer-placeholder = Сообщение в «{ $room }»
composer-placeholder-direct = Написать сообщение…
composer-hint = **жирный**, _курсив_, `код`, > цитата · Enter — отправить · Shift+Enter — новая строка
composer-attach = Прикрепить файлы
composer-send = Отправить
composer-cancel = Отменить
composer-drop = Отпустите файлы, чтобы прикрепить их
empty-title = Выберите комнату или создайте новую
empty-text = Общение идёт в каналах, закрытых группах и личных сообщениях.

## Поиск

back-to-chat = Назад в чат
search-title = Поиск
search-label = Поиск сообщений
search-placeholder = Поиск по сообщениям
search-room = Комната
search-all-rooms = Все комнаты
search-submit = Найти
search-empty-title = Поиск по сообщениям
search-empty-text = Находятся разные формы слов: «отчёт» найдёт и «отчёты», «отчётом».
search-no-results = По запросу «{ $query }» ничего не найдено
search-no-results-text = Попробуйте другие слова или поиск по всем комнатам.
search-results-count = { $count ->
    [one] Найдено { $count } сообщение
    [few] Найдено { $count } сообщения
   *[many] Найдено { $count } сообщений
}
search-open = Открыть в переписке →

## Настройки

settings-title = Настройки
settings-saved = Изменения сохранены.
settings-profile = Профиль
settings-save = Сохранить
settings-password = Пароль
settings-current-password = Текущий пароль
settings-new-password = Новый пароль
settings-password-submit = Сменить пароль
settings-session = Сеанс
settings-signed-in-as = Вы вошли как @{ $name }
locale-ru = Русский
locale-en = English

## Браузерный скрипт

js-today = Сегодня
js-yesterday = Вчера
js-new-messages = Новые сообщения
js-edited = (изменено)
js-message-deleted = Сообщение удалено.
js-sending = Отправка…
js-send-failed = Не отправлено.
js-retry = Повторить
js-discard = Отменить
js-reply-goto = Перейти к сообщению: { $name }
js-replying-to = Ответ — { $name }
js-editing = Редактирование сообщения
js-editing-hint = Enter — сохранить, Esc — отменить
js-action-react = Добавить реакцию
js-action-reply = Ответить
js-action-edit = Изменить
js-action-delete = Удалить
js-action-pin = Закрепить
js-action-unpin = Открепить
js-action-copy-link = Скопировать ссылку
js-message-actions = Действия с сообщением
js-reaction-label = Реакция { $emoji }: { $count }
js-pick-reaction = Выберите реакцию
js-pinned = Закреплено
js-pinned-done = Сообщение закреплено
js-unpinned-done = Сообщение откреплено
js-link-copied = Ссылка скопирована
js-confirm = ОК
js-confirm-delete = Удалить это сообщение? Это действие нельзя отменить.
js-confirm-leave = Покинуть «{ $room }»?
js-leave = Покинуть
js-you = вы
js-uploading = загрузка…
js-upload-failed = ошибка
js-uploads-pending = Дождитесь окончания загрузки файлов.
js-edit-no-attachments = При редактировании нельзя добавлять файлы.
js-attachment-remove = Убрать { $name }
js-message-not-found = Сообщение не найдено.
js-error-generic = Что-то пошло не так.
js-error-network = Нет связи с сервером.
js-loading = Загрузка…
js-pins-empty = Закреплённых сообщений пока нет.
js-jump-to-message = Перейти к сообщению
js-typing-one = { $name } печатает…
js-typing-two = { $first } и { $second } печатают…
js-typing-several = Несколько человек печатают…
js-presence-online = В сети
js-presence-away = Нет на месте
js-presence-offline = Не в сети
js-room-removed = Вы больше не участник этой комнаты.
js-picker-none = Никого не найдено
js-picker-remove = Убрать { $name }
js-pick-someone = Выберите хотя бы одного человека.
js-name-required = Введите название.
js-browse-empty = Открытых каналов пока нет.
js-join = Вступить
js-join-named = Вступить в «{ $room }»
js-open = Открыть
js-unread-one = { $count } непрочитанное сообщение
js-unread-few = { $count } непрочитанных сообщения
js-unread-many = { $count } непрочитанных сообщений
js-unread-other = { $count } непрочитанного сообщения
js-mentions-one = { $count } упоминание
js-mentions-few = { $count } упоминания
js-mentions-many = { $count } упоминаний
js-mentions-other = { $count } упоминания
js-members-one = { $count } участник
js-members-few = { $count } участника
js-members-many = { $count } участников
js-members-other = { $count } участника
js-members-added-one = Добавлен { $count } участник
js-members-added-few = Добавлено { $count } участника
js-members-added-many = Добавлено { $count } участников
js-members-added-other = Добавлено { $count } участника

## Ошибки API (код → error-<код через дефисы>; $field — переведённое имя поля)

error-not-found = Не найдено.
error-forbidden = Недостаточно прав для этого действия.
error-unauthorized = Войдите снова.
error-invalid-credentials = Неверное имя пользователя или пароль.
error-too-many-requests = Слишком много запросов. Повторите через { $seconds } { $seconds ->
    [one] секунду
    [few] секунды
   *[many] секунд
}.
error-conflict = { $field }: такое значение уже занято.
error-payload-too-large = Слишком большой файл или запрос.
error-unsupported-type = Этот тип файлов не поддерживается.
error-internal = На сервере что-то пошло не так. Попробуйте ещё раз.
error-bad-request = Некорректный запрос ({ $field }).
error-cannot-leave-direct = Из личной переписки нельзя выйти.
error-cannot-post = В этой комнате вам нельзя писать.
error-csrf-failed = Форма устарела. Обновите страницу и попробуйте ещё раз.
error-expected-json = Запрос должен быть в формате JSON.
error-invalid-field = Недопустимое значение поля «{ $field }».
error-invalid-json = Запрос содержит некорректный JSON.
error-invalid-path = Некорректный адрес.
error-invalid-query = Некорректные параметры запроса.
error-invalid-reference = Поле «{ $field }» ссылается на несуществующий объект.
error-limit-reached = Поле «{ $field }»: достигнут предел.
error-not-a-member = Вы не участник этой комнаты.
error-out-of-range = Значение поля «{ $field }» вне допустимого диапазона.
error-wrong-password = Текущий пароль указан неверно.
error-required = Поле «{ $field }» обязательно для заполнения.

## Правила для полей

rule-required = Поле «{ $field }» обязательно для заполнения.
rule-too-short = Поле «{ $field }» должно содержать не менее { $limit } { $limit ->
    [one] символа
    [few] символов
   *[many] символов
}.
rule-too-long = Поле «{ $field }» должно содержать не более { $limit } { $limit ->
    [one] символа
    [few] символов
   *[many] символов
}.
rule-invalid-format = Поле «{ $field }» заполнено в неверном формате.
rule-invalid-choice = Недопустимое значение поля «{ $field }».
rule-too-common = Такой пароль есть в списках утёкших паролей — выберите другой.

## Названия полей (и подписи в формах)

field-username = Имя пользователя
field-password = Пароль
field-display_name = Отображаемое имя
field-email = Эл. почта
field-name = Название
field-topic = Тема
field-body = Текст сообщения
field-kind = Тип
field-members = Участники
field-locale = Язык
field-emoji = Эмодзи
field-nonce = Ключ сообщения
field-avatar_color = Цвет аватара
field-role = Роль
field-file = Файл
field-seq = Позиция
field-user_ids = Пользователи
field-current_password = Текущий пароль
field-new_password = Новый пароль
field-limit = Предел
field-room_id = Комната
field-reply_to = Ответ
field-attachments = Вложения
field-status = Статус
field-rooms = Комнаты
field-op = Операция
field-q = Поисковый запрос
field-token = Токен

## Права, правила комнат, администрирование
error-slow-mode = В комнате включён медленный режим: следующее сообщение можно отправить через { $seconds } { $seconds ->
    [one] секунду
    [few] секунды
   *[many] секунд
}.
error-cannot-upload = В этой комнате нельзя прикреплять файлы.
error-last-owner = Последний владелец не может сложить с себя полномочия: сначала назначьте другого владельца.
error-cannot-deactivate-self = Нельзя отключить собственную учётную запись.
field-slow_mode_secs = медленный режим
field-post = кто может писать
field-react = кто может ставить реакции
field-upload = кто может загружать файлы
field-mention_room = кто может упоминать @room
field-invite = кто может приглашать
field-read_only = режим объявлений
field-format = формат
field-since = с
field-until = по
login-code = Код из приложения
login-code-hint = 6 цифр из приложения-аутентификатора или один из резервных кодов.
error-totp-required = Введите код из приложения-аутентификатора.
error-invalid-totp = Код неверный. Проверьте время на телефоне или используйте резервный код.
error-totp-replayed = Этот код уже использован — дождитесь следующего.
error-totp-enabled = Двухфакторная аутентификация уже включена.
error-totp-not-pending = Сначала начните настройку двухфакторной аутентификации.
error-totp-unavailable = Вход с кодом сейчас невозможен: сервер не может прочитать сохранённые секреты. Попросите администратора восстановить секретный ключ.
field-code = код
signup-title = Добро пожаловать в Steward
signup-lead = Вас пригласили. Выберите имя пользователя и пароль, чтобы начать.
signup-submit = Создать учётную запись
signup-invalid = Ссылка-приглашение истекла, исчерпана или отозвана. Попросите новую.
field-label = метка
field-max_uses = число использований
field-expires_in_hours = срок действия
nav-admin = Администрирование
admin-title = Администрирование
admin-system = Система
admin-version = Версия
admin-database = База данных
admin-online = Подключений сейчас
admin-people = Люди
admin-search = Имя, логин или e-mail
admin-status = Статус
admin-any = Любой
admin-filter = Показать
admin-person = Человек
admin-actions = Действия
admin-save = Сохранить
admin-deactivate = Отключить
admin-reactivate = Включить
admin-force-logout = Выйти на всех устройствах
admin-nobody = Никого не найдено.
admin-invites = Ссылки-приглашения
admin-invite-created = Ссылка создана. Скопируйте её сейчас — она показывается один раз.
admin-invite-link = Ссылка-приглашение
admin-invite-hours = Действует, часов
admin-invite-create = Создать ссылку
admin-invite-until = Действует до
admin-invite-revoke = Отозвать
admin-invite-revoked = Отозвана
admin-invites-none = Приглашений пока нет.
admin-audit = Журнал аудита
admin-audit-action = Действие
admin-audit-when = Когда
admin-audit-who = Кто
admin-audit-target = Объект
admin-audit-none = Пока ничего не записано.
admin-done = Готово.
role-owner = Владелец
role-admin = Администратор
role-moderator = Модератор
role-supervisor = Старший смены
role-operator = Оператор
role-member = Участник
role-guest = Гость
status-active = Активен
status-deactivated = Отключён
settings-2fa = Двухфакторная аутентификация
settings-2fa-is-off = Выключена. Включите, чтобы при каждом входе спрашивать код из приложения-аутентификатора.
settings-2fa-is-on = Включена. { $count ->
    [one] Остался { $count } резервный код.
    [few] Осталось { $count } резервных кода.
   *[many] Осталось { $count } резервных кодов.
}
settings-2fa-turn-on = Включить
settings-2fa-turn-off = Выключить
settings-2fa-scan = Добавьте этот ключ в приложение-аутентификатор (Google Authenticator, Aegis, 1Password…) и введите показанный код.
settings-2fa-open-app = Открыть в приложении-аутентификаторе
settings-2fa-confirm = Подтвердить
settings-2fa-on-now = Двухфакторная аутентификация включена.
settings-2fa-recovery = Сохраните резервные коды в надёжном месте: каждый позволяет войти один раз, если телефон потерян. Они показываются только сейчас.
error-totp-setup-required = Для вашей роли обязательна двухфакторная аутентификация: включите её ниже, чтобы продолжить.
field-signup_domains = домены почты
signup-open-lead = Создайте учётную запись, чтобы присоединиться к общению.
error-signup-domain = Регистрация открыта только для адресов на почтовых доменах организации.
reset-title = Новый пароль
reset-lead = Ссылка работает один раз. Все устройства, где выполнен вход, будут отключены.
reset-submit = Сохранить пароль
reset-invalid = Ссылка для сброса уже использована или истекла. Попросите у администратора новую.
deleted-user = Удалённый пользователь
admin-settings = Настройки
admin-signup-policy = Кто может зарегистрироваться
signup-policy-closed = Никто (учётные записи создают администраторы)
signup-policy-invite_only = По ссылке-приглашению
signup-policy-open = Любой, на странице /signup
signup-policy-domains = Адреса на этих почтовых доменах
admin-domains-hint = Через запятую, для последнего варианта.
admin-require-2fa = Роли, которым обязательна двухфакторная аутентификация
error-token-scope = Этому API-токену это не разрешено.
error-deactivated = Учётная запись отключена.
field-scopes = права токена
field-expires_in_days = срок действия
admin-sections = Разделы
admin-roles = Роли
admin-roles-hint = Своя роль добавляет права к системной роли человека. Никто не может выдать право, которого нет у него самого.
admin-roles-none = Своих ролей пока нет.
admin-role-name = Название
admin-role-description = Описание
admin-role-holders = Людей
admin-role-edit = Изменить
admin-role-delete = Удалить роль
admin-role-create = Новая роль
admin-permissions = Права
admin-custom-roles = Свои роли
admin-custom-roles-none = нет
admin-reset = Ссылка для сброса
admin-reset-created = Ссылка для смены пароля создана. Отправьте её человеку сейчас: она показывается один раз и действует 24 часа.
admin-reset-link = Ссылка для смены пароля
admin-erase = Стереть…
admin-erase-hint = Стирание навсегда удаляет профиль (GDPR): имя, почту, сеансы, участие в комнатах, двухфакторную защиту. Отменить нельзя.
admin-erase-messages = Удалить и все его сообщения
admin-erase-confirm = Введите { $username } для подтверждения
admin-erase-go = Стереть навсегда
error-confirm-username = Для подтверждения введите имя пользователя.
field-role_ids = роли
field-permissions = права
field-description = описание
perm-room-create = Создавать каналы и группы
perm-direct-create = Начинать личные переписки
perm-room-join-public = Видеть открытые каналы и входить в них
perm-room-invite = Добавлять людей в свои комнаты
perm-room-manage-any = Управлять любой комнатой
perm-message-delete-any = Удалять чужие сообщения
perm-message-pin-any = Закреплять сообщения в любой комнате
perm-message-mention-room = Упоминать @room где угодно
perm-file-upload = Прикладывать файлы
perm-user-list = Искать людей
perm-user-invite = Приглашать людей
perm-user-deactivate = Отключать учётные записи
perm-user-manage = Управлять людьми и их ролями
perm-role-manage = Создавать свои роли
perm-moderation-sanction = Предупреждать, глушить, исключать и банить
perm-moderation-review = Разбирать жалобы и задержанные сообщения
perm-support-view-all = Видеть все обращения поддержки
perm-audit-read = Читать журнал аудита
perm-settings-edit = Менять настройки
admin-rooms = Комнаты
admin-room-search = Название комнаты
admin-room = Комната
admin-default = по умолчанию
admin-archived = В архиве
admin-archive = В архив
admin-unarchive = Из архива
admin-make-private = Сделать закрытой
admin-make-public = Сделать открытой
admin-room-delete = Удалить…
admin-room-delete-hint = Удаление убирает комнату со всеми сообщениями и файлами для всех. Отменить нельзя; архив сохраняет историю.
admin-room-delete-confirm = Введите { $name } для подтверждения
admin-room-delete-go = Удалить навсегда
admin-rooms-none = Подходящих комнат нет.
admin-default-rooms = Комнаты, в которые попадают новые люди
admin-default-rooms-hint = Кроме #general. Гости попадают только в комнаты, куда их пригласили.
error-confirm-room-name = Для подтверждения введите название комнаты.
error-default-room = В эту комнату попадают все; удалить её нельзя.
field-default_rooms = комнаты по умолчанию
perm-compliance-export = Выгружать переписку для проверок
admin-retention = Хранение и выгрузка
admin-retention-days = Хранить сообщения, дней
admin-retention-audit = Хранить журнал аудита, дней
admin-retention-pinned = Не удалять закреплённые
admin-retention-hint = 0 — хранить всегда. Задача запускается каждый час и записывает в журнал аудита, что удалила; журнал аудита хранится не меньше 30 дней.
admin-retention-run = Запустить сейчас
admin-retention-done = Удалено { $messages ->
    [one] { $messages } сообщение
    [few] { $messages } сообщения
   *[many] { $messages } сообщений
} и { $audit ->
    [one] { $audit } запись аудита
    [few] { $audit } записи аудита
   *[many] { $audit } записей аудита
}.
admin-export = Выгрузка для проверок
admin-export-go = Скачать
admin-export-hint = Сообщения комнаты за выбранные даты, с правками и удалениями; сообщения человека во всех комнатах: GET /api/v1/admin/export?user_id=…
admin-import = Импорт людей
admin-import-csv = CSV
admin-import-hint = Строка заголовков, затем по человеку на строку: username (обязательно), display_name, email, role, password, locale, rooms (названия через ;). Без пароля человек получает одноразовую ссылку, чтобы задать его.
admin-import-dry-run = Пробный прогон: проверить каждую строку, ничего не менять
admin-import-go = Импортировать
admin-import-line = Строка
admin-import-detail = Подробности
admin-import-valid = верно
admin-import-created = создан
admin-import-error = ошибка
admin-import-dry = Пробный прогон: { $ok ->
    [one] { $ok } строка верна
    [few] { $ok } строки верны
   *[many] { $ok } строк верны
}, с ошибками: { $errors }. Ничего не изменено.
admin-import-done = { $ok ->
    [one] Создан { $ok } человек
    [few] Создано { $ok } человека
   *[many] Создано { $ok } человек
}, { $errors ->
    [one] { $errors } строка отклонена
    [few] { $errors } строки отклонены
   *[many] { $errors } строк отклонено
}. Скопируйте ссылки сейчас: они показываются один раз.
field-csv = CSV
field-columns = столбцы
field-message_days = дни хранения сообщений
field-audit_days = дни хранения журнала аудита
mail-invite-subject = { $inviter } приглашает вас в Steward
mail-invite-body = Здравствуйте!

    { $inviter } приглашает вас в рабочий чат команды в Steward.

    Создайте учётную запись по ссылке (она работает один раз, { $hours } ч):
    { $url }

    Если вы не ждали этого письма, просто не отвечайте на него.
error-smtp-not-configured = На этом сервере не настроена почта (STEWARD_SMTP_URL).
field-emails = адреса почты
admin-invite-emails = Или отправьте приглашения по почте
admin-invite-emails-hint = По адресу на строку; каждому придёт своя ссылка, которая работает один раз.
admin-invite-send = Отправить приглашения
admin-invite-sent = { $sent ->
    [one] Отправлено { $sent } приглашение
    [few] Отправлено { $sent } приглашения
   *[many] Отправлено { $sent } приглашений
}{ $failed ->
    [0] .
   *[other] ; не отправлено: { $failed_list }.
}
perm-moderation-rules = Настраивать правила автомодерации
error-held = Сообщение ждёт проверки модератора.
error-blocked = Сообщение не отправлено: оно нарушает правила этого чата.
error-removed-by-rule = Сообщение удалено правилом модерации.
error-muted = Вам временно запрещено писать здесь.
error-banned = Вы заблокированы в этой комнате.
error-kicked = Вас удалили из этой комнаты.
error-invalid-rule = Правило модерации задано неверно.
error-already-decided = Решение уже принято.
error-own-message = Нельзя пожаловаться на своё сообщение.
error-already-ended = Эта санкция уже закончилась.
error-cannot-sanction-self = Нельзя наказать самого себя.
field-reason = причина
field-rules = правила
field-text = текст
field-case_ids = жалобы
field-outcome = решение
field-sanction = санкция
field-duration_secs = срок
field-appeal = обжалование
field-note = пояснение
error-modlog-private = Журнал модерации этой комнаты закрыт.
error-join-wave = Сейчас в комнату входит слишком много людей; попробуйте чуть позже.
admin-limits = Ограничения частоты
admin-limits-value = API { $api }/мин на сеанс, шлюз { $gateway }/мин на соединение
admin-mail = Почта
admin-mail-on = SMTP настроен
admin-mail-off = не настроена (STEWARD_SMTP_URL)
admin-jobs = Фоновые задачи
admin-job = Задача
admin-job-last = Последний запуск
admin-job-retention = Хранение (каждый час)
admin-job-sanction-sweep = Окончание санкций (каждые 30 с)
admin-job-session-cleanup = Истёкшие сеансы (каждый час)
admin-job-not-yet = ещё не было
admin-2fa-on = Двухфакторная защита включена
# ---- moderation dashboard and chat actions (moderation-ui)
nav-moderation = Модерация
mod-title = Модерация
mod-sections = Разделы модерации
mod-held = Очередь проверки
mod-held-hint = Сообщения, задержанные правилами. «Одобрить» — опубликовать от имени автора; «Отклонить» — не публиковать.
mod-held-none = Ничего не ждёт проверки.
mod-approve = Одобрить
mod-reject = Отклонить
mod-cases = Жалобы
mod-cases-hint = Жалобы на одно сообщение собраны в одно дело. Сначала переданные администраторам, затем от доверенных, затем самые старые.
mod-cases-none = Открытых жалоб нет.
mod-select-case = Выбрать дело { $id }
mod-escalated = У администраторов
mod-reports-count = { $count ->
    [one] { $count } жалоба
    [few] { $count } жалобы
   *[many] { $count } жалоб
}
mod-trusted = доверенный
mod-reasons = Причины
mod-dismiss = Отклонить жалобу
mod-remove = Удалить сообщение
mod-remove-warn = Удалить + предупредить
mod-remove-mute-1h = Удалить + мьют на 1 ч
mod-remove-mute-1d = Удалить + мьют на сутки
mod-remove-ban = Удалить + бан в комнате
mod-escalate = Передать администраторам
mod-bulk = С выбранными делами
mod-bulk-go = Применить к выбранным
mod-appeals = Апелляции
mod-appeals-none = Открытых апелляций нет.
mod-kind = Мера
mod-kind-warn = Предупреждение
mod-kind-mute = Мьют
mod-kind-kick = Исключение
mod-kind-ban = Бан
mod-everywhere = Везде
mod-reason = Причина
mod-by-rule = правило { $rule }
mod-by = Кто
mod-when = Когда
mod-until = До
mod-permanent = Пока не снимут
mod-ended = Закончилась
mod-evidence = Доказательство
mod-note = Пояснение для человека
mod-accept = Принять и снять меру
mod-sanctions = Меры
mod-find-person = Найти человека (логин или имя)
mod-find = Найти
mod-sanctions-none = Мер не было.
mod-lift = Снять
mod-impose = Назначить меру
mod-duration = Срок (мьют, бан)
mod-dur-1h = 1 час
mod-dur-1d = 1 сутки
mod-dur-7d = 7 дней
mod-dur-30d = 30 дней
mod-impose-go = Назначить
mod-impose-hint = Человек увидит причину и срок. Для исключения нужна комната; у предупреждения нет срока.
mod-log = Журнал модерации
mod-system = система
mod-dry-run = Пробный режим
mod-matched = Совпало
mod-rules = Правила
mod-rule-refused = Правило «{ $rule }» не принято ({ $problem }). Ничего не сохранено.
mod-action = Действие
mod-scope = Где
mod-enabled = Включено
mod-on = Вкл.
mod-off = Выкл.
mod-rule-delete = Удалить правило
mod-rules-none = Правил пока нет: начните со встроенных наборов.
mod-presets-add = { $count ->
    [one] Добавить { $count } встроенный набор
    [few] Добавить { $count } встроенных набора
   *[many] Добавить { $count } встроенных наборов
}
mod-rule-new = Новое правило
mod-rule-json = Правило (JSON)
mod-rule-json-hint = Виды правил, действия и синтаксис слов — в docs/MODERATION.md. Новое правило лучше сначала включить в пробном режиме.
mod-rule-add = Добавить правило
mod-try = Проверить сообщение
mod-try-label = Текст для проверки правилами
mod-try-go = Проверить
mod-form-cleaned = Очищенный текст
mod-form-ru = Русская форма
mod-form-en = Английская форма
mod-form-layout = Не та раскладка
mod-try-clean = Ни одно правило не сработало.
mod-age-now = только что
mod-age-minutes = { $n } мин назад
mod-age-hours = { $n } ч назад
mod-age-days = { $n } дн. назад
mod-done-approved = Одобрено: сообщение опубликовано.
mod-done-rejected = Отклонено.
mod-done-resolved = Готово: дела закрыты.
mod-done-escalated = Передано администраторам.
mod-done-decided = Решение по апелляции принято, человеку сообщено.
mod-done-imposed = Мера назначена, человеку сообщено.
mod-done-lifted = Мера снята, человеку сообщено.
mod-done-rules = Правила сохранены.
mod-done-presets = Встроенные наборы добавлены.
js-action-report = Пожаловаться
js-report-title = Жалоба на сообщение
js-report-label = Что не так с этим сообщением?
js-report-send = Отправить жалобу
js-report-done = Спасибо: модераторы посмотрят.
js-mod-menu = Модерация
js-mod-warn = Предупредить автора
js-mod-mute = Мьют на 1 час
js-mod-ban = Бан в этой комнате
js-mod-reason-title = { $action }: { $name }
js-mod-reason = Причина (человек её увидит)
js-mod-done = Готово: { $name } получит уведомление.
js-send-held = Сообщение ждёт проверки модератором (правило «{ $rule }»). Мы сообщим о решении.
js-send-blocked = Не отправлено: { $message }
js-send-blocked-rule = Не отправлено: нарушает правило «{ $rule }».
js-send-removed = Не отправлено: удалено правилом «{ $rule }».
js-send-kicked = Вас исключили из комнаты (правило «{ $rule }»).
js-muted-until = Вы не можете писать до { $until }. Причина: { $reason }
js-muted-forever = Вы не можете писать, пока модератор не снимет ограничение. Причина: { $reason }
js-banned-until = Вы забанены до { $until }. Причина: { $reason }
js-banned-forever = Вы забанены, пока модератор не снимет бан. Причина: { $reason }
js-warned = Вам вынесено предупреждение. Причина: { $reason }
js-kicked = Вас исключили из комнаты. Причина: { $reason }
js-sanction-lifted = Ограничение снято.
js-appeal-accepted = Апелляция принята. { $note }
js-appeal-rejected = Апелляция отклонена. { $note }
js-held-approved = Модератор одобрил ваше сообщение, оно опубликовано.
js-held-rejected = Модератор отклонил задержанное сообщение.
js-appeal = Обжаловать
js-appeal-title = Обжаловать решение
js-appeal-label = Почему ограничение стоит снять?
js-appeal-send = Отправить апелляцию
js-appeal-sent = Апелляция отправлена модераторам.
js-polite-confirm = Это может прозвучать грубо («{ $rules }»). Всё равно отправить?
js-polite-send = Отправить
js-notice-close = Закрыть
js-mod-alert = Модерация: появилось новое на проверку.
js-mod-open = Открыть модерацию
field-json = JSON
js-reason-required = Напишите хотя бы пару слов.
admin-api-rate = Запросов к API в минуту на сеанс
admin-api-rate-hint = Пусто — значение из настроек запуска (STEWARD_API_REQUESTS_PER_MINUTE). 10–100 000; допускаются всплески в десятую часть.
field-api_requests_per_minute = запросов к API в минуту
admin-job-done-retention = удалено сообщений: { $a }, файлов: { $b }, записей аудита: { $c }
admin-job-done-sanction-sweep = закончилось: { $a }
admin-job-done-session-cleanup = удалено: { $a }
mod-log-older = Более ранние записи
mod-log-newest = Последние записи

## Виджет для сайта: окно чата (widget_frame.html, widget-frame.js). `{ $var }` подставляет скрипт.

widget-page-title = Чат поддержки
widget-noscript = Для чата нужен JavaScript.
widget-close = Закрыть чат
widget-loading = Загрузка…
widget-status-online = Мы на связи
widget-status-offline = Сейчас нас нет на месте
widget-status-operator = Вам отвечает { $name }
widget-greeting = Здравствуйте! Чем можем помочь?
widget-prechat-title = Перед началом
widget-prechat-lead = Расскажите немного о себе, чтобы мы помогли быстрее.
widget-department = Отдел
widget-department-choose = Выберите…
widget-first-message = Ваш вопрос
widget-start = Начать чат
widget-optional = необязательно
widget-error-required = Заполните это поле.
widget-error-email = Введите адрес почты, например name@example.com.
widget-error-phone = Введите номер телефона с кодом страны, только цифры.
widget-error-pattern = Проверьте, правильно ли заполнено поле.
widget-error-generic = Что-то пошло не так. Попробуйте ещё раз.
widget-error-connection = Не удалось связаться с сервером. Проверьте подключение и попробуйте ещё раз.
widget-offline-title = Оставьте нам сообщение
widget-offline-lead = Сейчас нас нет на месте — мы ответим по электронной почте.
widget-offline-next = Снова на связи: { $time }.
widget-name = Ваше имя
widget-email = Электронная почта
widget-message = Сообщение
widget-offline-send = Отправить сообщение
widget-offline-done-title = Сообщение отправлено
widget-offline-done = Спасибо! Мы ответим на { $email }.
widget-offline-note = Сейчас нас нет на месте, но вы можете написать: ответим здесь, как только вернёмся.
widget-log-label = Переписка
widget-earlier = Показать более ранние сообщения
widget-you = Вы
widget-operator = Оператор
widget-deleted = Сообщение удалено
widget-edited = изменено
widget-sending = Отправляется…
widget-not-sent = Не отправлено.
widget-retry = Повторить
widget-read = Прочитано
widget-typing = { $name } печатает…
widget-typing-someone = Оператор печатает…
widget-composer-label = Сообщение
widget-composer-placeholder = Напишите сообщение…
widget-composer-hint = Enter — отправить, Shift+Enter — новая строка.
widget-send = Отправить
widget-attach = Прикрепить файл
widget-attachments = Файлы к отправке
widget-uploading = Загружается { $name }…
widget-remove-file = Убрать { $name }
widget-upload-failed = Не удалось загрузить { $name }.
widget-reconnecting = Связь прервалась. Переподключаемся…
widget-resolved = Разговор завершён.
widget-new-conversation = Начать новый разговор
widget-csat-title = Как мы справились?
widget-csat-star = { $n } из 5
widget-csat-comment = Хотите что-нибудь добавить?
widget-csat-send = Отправить оценку
widget-csat-choose = Выберите оценку от 1 до 5.
widget-csat-thanks = Спасибо за отзыв!

## Виджет для сайта: демонстрационный магазин (widget_demo.html)

widget-demo-title = Демо-магазин Steward
widget-demo-tagline = Чай, чашки и маленькие радости с доставкой по всей стране.
widget-demo-nav-catalog = Каталог
widget-demo-nav-delivery = Доставка
widget-demo-nav-contacts = Контакты
widget-demo-products = Популярное на этой неделе
widget-demo-add = В корзину
widget-demo-p1-name = Алтайский травяной чай
widget-demo-p1-text = Чабрец, иван-чай и горная мята, 100 г.
widget-demo-p2-name = Глиняный чайник
widget-demo-p2-text = Ручная работа, 600 мл, держит тепло около часа.
widget-demo-p3-name = Пара чашек
widget-demo-p3-text = Стекло с двойными стенками, по 250 мл.
widget-demo-p4-name = Подарочный набор
widget-demo-p4-text = Три вида чая, чайник и открытка с вашими словами.
widget-demo-help = Вопрос по заказу? Нажмите на кнопку чата в углу — служба поддержки ответит прямо здесь.
widget-demo-no-inbox-title = Чат ещё не настроен
widget-demo-no-inbox = Сначала администратор должен создать входящий канал для виджета на сайте. После этого здесь появится кнопка чата.
widget-demo-footer = Это пример страницы, чтобы попробовать виджет Steward. Здесь ничего не продаётся.

## Support desk (server messages)
perm-support-manage = Настраивать каналы обращений, отделы, операторов, SLA и общие шаблоны ответов
error-conversation-open = У вас уже есть открытое обращение.
error-identity-invalid = Подпись сайта для этого пользователя не совпадает.
error-operator-full = У этого оператора нет места для ещё одного обращения.
error-taken = Этим обращением уже занимается другой сотрудник.
error-cannot-leave-support = Чтобы выйти из обращения, передайте его другому или верните в очередь.
error-not-resolved = Обращение ещё не решено.
error-already-rated = Это обращение уже оценено.
error-no-email = У клиента не указан адрес почты.
error-resolved = Обращение решено; сначала откройте его снова.
error-conversation-merged = Это обращение объединено с другим.

## Support settings page
sup-title = Настройки поддержки
sup-lead = Каналы принимают обращения из виджета на вашем сайте. Выберите, кто отвечает, когда и как распределяются обращения.
sup-new-inbox = Новый канал
sup-name = Название
sup-create = Создать
sup-key = Ключ виджета
sup-demo = Посмотреть в демо-магазине
sup-snippet = Вставьте это на сайт перед </body>
sup-copy = Копировать
sup-copied = Скопировано.
sup-greeting = Приветствие
sup-locale = Язык виджета
sup-color = Цвет
sup-position = Положение
sup-right = Справа внизу
sup-left = Слева внизу
sup-routing = Распределение
sup-routing-least = Наименее загруженному оператору
sup-routing-rr = По очереди
sup-routing-sticky = Тому же оператору, что и в прошлый раз
sup-routing-offer = Предложить всем, берёт первый
sup-routing-manual = Вручную: операторы берут из очереди
sup-offer-timeout = Секунд на принятие, потом следующему (0 — назначать сразу)
sup-csat = Просить оценку после решения
sup-offline = Форма вне рабочего времени
sup-sla = Цели SLA, минуты рабочего времени (пусто — нет)
sup-sla-first = Первый ответ
sup-sla-next = Следующий ответ
sup-sla-resolution = Решение
sup-hours = Рабочие часы (JSON; пусто — круглосуточно)
sup-prechat = Поля анкеты перед чатом (JSON)
sup-origins = Сайты, где можно показывать виджет (по одному в строке; пусто — любые)
sup-save = Сохранить
sup-saved = Сохранено.
sup-operators = Операторы
sup-save-operators = Сохранить операторов
sup-departments = Отделы
sup-department-name = Новый отдел
sup-add = Добавить
sup-remove = Удалить
sup-rotate = Новый секрет подписи
sup-rotate-confirm = Сайтам, которые подписывают id пользователей текущим секретом, придётся перейти на новый. Продолжить?
sup-secret = Секрет подписи (показывается один раз; храните его на своём сервере):
sup-delete = Удалить канал
sup-delete-confirm = Удалить этот канал и все его обращения?
sup-canned = Шаблоны ответов
sup-canned-hint = Операторы набирают / и сокращение. Переменные: {"{{"}contact.first_name{"}}"}, {"{{"}agent.name{"}}"}, с запасным словом: {"{{"}contact.first_name | "клиент"{"}}"}.
sup-shortcut = Сокращение
sup-canned-name = Название
sup-canned-body = Текст
sup-canned-example = Здравствуйте, {"{{"}contact.first_name | "клиент"{"}}"}! Меня зовут {"{{"}agent.name{"}}"}.
sup-scope = Кому доступен
sup-scope-global = Всем
sup-scope-personal = Только мне

## Help centre
help-title = Справочный центр
help-language = Язык
help-search = Поиск по справке
help-find = Найти
help-all = Все вопросы
help-results = Результаты по запросу «{ $q }»
help-nothing = Ничего не нашлось. Попробуйте другие слова или спросите нас в чате.
help-heading = Частые вопросы
help-other = Другие вопросы
help-empty = Статей пока нет.

## Входящие операторов (/inbox): шаблон и inbox.js
inbox-nav = Входящие поддержки
inbox-title = Входящие
inbox-forbidden = Входящие поддержки — для операторов и супервизоров.
inbox-queues = Очереди
inbox-views = Разделы
inbox-view-inbox = Разговоры
inbox-view-supervisor = Обзор
inbox-shortcuts = Сочетания клавиш
inbox-availability = Статус
inbox-av-online = В сети
inbox-av-away = Отошёл
inbox-av-offline = Не в сети
inbox-load = { $n } из { $cap } разговоров
inbox-queue-mine = Мои
inbox-queue-unassigned = Без оператора
inbox-queue-all = Все
inbox-conversations = Разговоры
inbox-empty = Здесь пусто. Новые разговоры появятся сами.
inbox-loading = Загрузка…
inbox-reconnecting = Связь потеряна. Подключаемся снова…
inbox-conversation = Разговор
inbox-none-title = Выберите разговор
inbox-none-text = Выберите его слева или выйдите в сеть, чтобы получать новые.
inbox-back-to-list = К списку
inbox-back-to-conversation = К разговору
inbox-contact = Контакт
inbox-actions = Действия с разговором
inbox-take = Взять
inbox-join = Присоединиться
inbox-transfer = Передать
inbox-escalate = Позвать на помощь
inbox-snooze = Отложить
inbox-snooze-hour = На час
inbox-snooze-tomorrow = До завтрашнего утра
inbox-resolve = Решено
inbox-reopen = Открыть снова
inbox-messages = Сообщения
inbox-composer = Сообщение
inbox-mode = Что вы пишете
inbox-mode-reply = Ответ
inbox-mode-note = Заметка
inbox-canned = Шаблоны ответов
inbox-canned-none = Нет шаблона, который так начинается.
inbox-placeholder-reply = Ответ посетителю…  / — шаблоны
inbox-placeholder-note = Заметка для коллег; посетитель её не увидит
inbox-placeholder-join = Чтобы ответить, возьмите разговор или присоединитесь; заметки можно писать сразу
inbox-send = Отправить
inbox-hint = Enter — отправить · Shift+Enter — новая строка · / — шаблоны · ? — сочетания клавиш
inbox-note = Заметка
inbox-deleted = Сообщение удалено
inbox-typing = { $name } печатает…
inbox-visitor = Посетитель
inbox-unread = непрочитано
inbox-unassigned = Без оператора
inbox-assignee = Оператор: { $name }
inbox-assignee-me = вы
inbox-waiting = ждёт { $time }
inbox-escalated = Нужна помощь
inbox-escalated-to = помощь: { $name }
inbox-snoozed-until = до { $time }
inbox-status-open = Открыт
inbox-status-pending = У бота
inbox-status-snoozed = Отложен
inbox-status-resolved = Решён
inbox-priority = Приоритет
inbox-priority-low = Низкий
inbox-priority-normal = Обычный
inbox-priority-high = Высокий
inbox-priority-urgent = Срочный
inbox-sla-warning = SLA скоро
inbox-sla-breached = SLA нарушен
inbox-labels = Метки
inbox-label-add = Добавить метку
inbox-label-add-btn = Добавить
inbox-label-remove = Убрать метку { $label }
inbox-email = Эл. почта
inbox-phone = Телефон
inbox-started = Начат
inbox-csat = Оценка
inbox-csat-rating = Оценка { $n } из 5
inbox-past = Прошлые разговоры
inbox-past-none = Раньше разговоров не было.
inbox-transfer-operator = Оператору
inbox-transfer-department = Или в отдел
inbox-transfer-nobody = —
inbox-transfer-no-department = —
inbox-transfer-pick = Выберите оператора или отдел.
inbox-transfer-submit = Передать
inbox-comment = Комментарий для коллег
inbox-comment-hint = (посетитель его не видит)
inbox-escalate-hint = Супервизоры узнают сразу; они могут присоединиться, оставить заметку или взять разговор.
inbox-escalate-submit = Позвать на помощь
inbox-taken = Разговор ваш.
inbox-joined = Вы присоединились к разговору.
inbox-resolved = Решено.
inbox-snoozed = Отложено.
inbox-transferred = Передано.
inbox-escalated-sent = Супервизоры позваны на помощь.
inbox-assigned-toast = Новый разговор для вас: { $name }
inbox-escalated-toast = { $name } просит помощи
inbox-mention-toast = { $name } упомянул вас в заметке
inbox-sla-toast-warning = Разговор подходит к сроку SLA.
inbox-sla-toast-breached = Разговор нарушил SLA.
inbox-offer-toast = Вам предлагают разговор.
inbox-accept = Принять
inbox-open = Открыть
inbox-ov-operators = Операторы
inbox-ov-name = Имя
inbox-ov-load = Нагрузка
inbox-ov-connected = Подключён
inbox-ov-sla = SLA под угрозой
inbox-ov-waiting = Ждут в очереди
inbox-ov-queue = в очереди
inbox-ov-longest = дольше всех ждёт
inbox-ov-open = открыто
inbox-ov-at-risk = SLA под угрозой
inbox-ov-none = Ничего.
inbox-ov-no-operators = Операторов пока нет.
inbox-yes = да
inbox-no = нет
inbox-key-next = следующий / предыдущий разговор
inbox-key-reply = написать ответ
inbox-key-note = написать заметку
inbox-key-take = взять разговор
inbox-key-resolve = решено
inbox-key-canned = в сообщении: шаблоны ответов
inbox-key-help = эта подсказка
inbox-key-esc = закрыть окна и меню
inbox-error-network = Нет связи с сервером.
inbox-error-generic = Что-то пошло не так. Попробуйте ещё раз.

## Inbox: suggested answers
inbox-suggest-title = Подходящие ответы
inbox-suggest-faq = FAQ
inbox-suggest-canned = Шаблон
inbox-suggest-insert = Вставить

## Widget: help-centre search
widget-help-title = Возможно, ответ уже есть
widget-help-label = Поиск по ответам
widget-help-none = Ничего не нашлось — напишите нам ниже.

## Страница базы знаний (/support/faq)
kb-title = База знаний
kb-lead = Что знает бот поддержки, на какие вопросы он не смог ответить и насколько хорошо справляется.
kb-stats = Показатели бота
kb-stat-conversations = Обращений с ботом
kb-stat-resolved = Решено ботом
kb-stat-deflection = Доля решённых ботом
kb-stat-handover = Доля переданных людям
kb-stat-helpful = Помогло
kb-stat-unhelpful = Не помогло
kb-stat-feedback = Помогло / не помогло
kb-unanswered = Вопросы без ответа
kb-unanswered-hint = Вопросы, которые бот передал людям; сначала самые частые. Ответьте на вопрос — и дальше бот будет отвечать на него сам.
kb-unanswered-none = Вопросов без ответа нет. Отлично!
kb-times = Спросили:
kb-last = последний раз
kb-answer = Ответить
kb-add-to = Добавить к теме
kb-dismiss = Убрать
kb-topic-id = Идентификатор темы
kb-topic-id-hint = Буквы, цифры, «_», «-» и «.». Один и тот же идентификатор на русском и английском — это одна тема.
kb-existing-topic = Существующая тема
kb-answer-text = Ответ (markdown)
kb-answer-keep = Новый ответ (оставьте пустым, чтобы сохранить прежний)
kb-category = Категория
kb-save = Сохранить
kb-cancel = Отмена
kb-promoted = Сохранено: теперь бот отвечает на этот вопрос.
kb-dismissed = Вопрос убран.
kb-try = Проверить вопрос
kb-try-hint = Что бот сделает с этим вопросом сейчас (только опубликованные записи).
kb-question = Вопрос
kb-lang = Язык
kb-lang-auto = Определить по тексту
kb-ask = Спросить
kb-would-answer = Бот ответит записью «%id%» (%lang%), уверенность %pct%.
kb-would-suggest = Бот не уверен и предложит темы:
kb-would-handover = Бот передаст разговор человеку:
kb-reason-human = посетитель просит позвать человека.
kb-reason-low = ни одна запись не подходит достаточно хорошо.
kb-reason-empty = в сообщении нет слов, за которые можно зацепиться.
kb-entries = Записи
kb-filter = Найти запись
kb-filter-placeholder = Слово из вопроса, ответа или id
kb-new = Новая запись
kb-edit = Изменить
kb-delete = Удалить
kb-delete-confirm = Удалить запись «%id%» (%lang%)?
kb-phrasings = Формулировки вопроса, по одной в строке
kb-status = Статус
kb-status-published = Опубликована
kb-status-draft = Черновик
kb-no-category = Без категории
kb-entries-none = База знаний пуста. Добавьте запись или загрузите файл.
kb-no-match = Ни одна запись не подходит под фильтр.
kb-count = Записей: %n%
kb-import = Загрузить файл
kb-import-hint = Массив записей в JSON или CSV-файл со столбцами id, lang, category, status, questions, answer. Записи с тем же идентификатором и языком заменяются.
kb-file = Файл JSON или CSV
kb-import-submit = Загрузить
kb-imported = Загружено записей: %n%.
kb-import-failed = Файл не загружен.
kb-export = Выгрузка
kb-export-json = Скачать JSON
kb-export-csv = Скачать CSV
kb-saved = Сохранено.
kb-deleted = Удалено.
kb-problem = Ошибка:
kb-no-file = Сначала выберите файл.
kb-bad-type = Выберите файл .json или .csv.

# Group rooms: the bot's notes and answers (group_bot.rs), the room settings page (room_settings.html).
error-cannot-edit-notes = Сохранять и удалять заметки могут только владельцы и модераторы комнаты.
error-note-not-found = В этой комнате нет заметки с таким названием. Все заметки — /notes.
error-too-many-notes = В этой комнате слишком много заметок: сначала удалите одну.
field-faq_bot = FAQ-бот
groupbot-saved = Заметка #{ $name } сохранена. Любой может показать её, написав #{ $name }.
groupbot-updated = Заметка #{ $name } обновлена.
groupbot-cleared = Заметка #{ $name } удалена.
groupbot-notes = Заметки этой комнаты: { $names }. Чтобы показать заметку, напишите #название.
groupbot-no-notes = В этой комнате пока нет заметок. Модераторы сохраняют их командой /save название текст.
groupbot-note-limit = В этой комнате слишком много заметок: сначала удалите одну командой /clear название.
groupbot-dont-know = Я не знаю ответа на этот вопрос. Спросите, пожалуйста, модератора комнаты.
groupbot-suggest = Не уверен, что понял. Вы об одном из этих вопросов?
groupbot-suggest-hint = Спросите иначе или обратитесь к модератору.
groupbot-hello = Привет! Упомяните меня вместе с вопросом — я поищу ответ в базе знаний. Заметки комнаты: /notes.
room-settings-open = Настройки и заметки комнаты
room-settings-title = Настройки комнаты
room-settings-back = Назад в комнату
room-settings-saved-bot = Настройка бота сохранена.
room-settings-saved-note = Заметка сохранена.
room-settings-saved-deleted = Заметка удалена.
room-bot-title = FAQ-бот
room-bot-legend = Когда бот (@steward-bot) отвечает из базы знаний
room-bot-off = Выключен
room-bot-off-hint = Бот не отвечает на вопросы в этой комнате. Заметки работают.
room-bot-mention = Когда спрашивают
room-bot-mention-hint = Отвечает на сообщения, где упомянут @steward-bot, и на ответы на его сообщения; если не знает — так и говорит.
room-bot-auto = Автоматически
room-bot-auto-hint = Ещё отвечает на вопросы, на которые в базе знаний есть уверенный ответ, не чаще раза в две минуты на тему. На прочие сообщения не отвечает.
room-bot-kb-empty = База знаний пуста — боту пока нечем отвечать.
room-notes-title = Заметки
room-notes-hint = Любой участник показывает заметку, написав #название, а список — командой /notes. Владельцы и модераторы сохраняют заметку командой /save название текст (или /save название в ответ на сообщение) и удаляют командой /clear название.
room-notes-none = Заметок пока нет.
room-notes-edit = Изменить
room-notes-body = Текст (markdown)
room-notes-delete = Удалить
room-notes-new = Новая заметка
room-notes-name = Название
room-notes-name-hint = До 64 букв, цифр, _ и -; чтобы показать заметку, пишут #название.
room-notes-save = Сохранить заметку
int-title = Интеграции
int-back = Администрирование
int-lead = Бот-аккаунты входят по API-токенам и узнают о событиях из подписанных вебхуков. Входящий канал может сначала передавать новые обращения боту.
int-bots = Боты
int-new-bot = Новый бот-аккаунт
int-verify = Как проверять подпись
int-openapi = Справочник API (OpenAPI)
int-loading = Загрузка…
int-new-bot-hint = Бот — это аккаунт, который входит только по API-токенам, без пароля. Его первый токен показывается один раз, сразу после создания.
int-username = Имя пользователя
int-username-hint = Латинские буквы, цифры, «_» и «-». Люди видят его как @имя.
int-display-name = Отображаемое имя
int-optional = (необязательно)
int-display-name-example = Синхронизация с CRM
int-scopes = Права токена
int-scope-read = читать комнаты, сообщения и обращения, которые ему видны
int-scope-write = писать, отвечать, передавать людям, менять обращения
int-create-bot = Создать бота
int-verify-lead = Каждая доставка — это HTTP POST с телом в JSON и тремя заголовками:
int-h-event = событие, например message.created
int-h-delivery = номер доставки; при повторах тот же, по нему отбрасывают дубли
int-h-signature = t=время,v1=HMAC-SHA256 от «t.тело» в hex, ключ — секрет подписи вебхука
int-verify-how = Считайте HMAC по телу ровно в том виде, в каком оно пришло, сравнивайте за постоянное время и отклоняйте метку времени старше пяти минут. На Python:
int-verify-python = Проверка подписи на Python
int-copy = Копировать
int-rule-answer = Отвечайте любым 2xx в течение 10 секунд, долгую работу делайте после ответа. Перенаправления считаются ошибкой.
int-rule-dedupe = Доставка может прийти больше одного раза и не по порядку: отбрасывайте дубли по X-Steward-Delivery.
int-rule-retry = Неудачные доставки повторяются через 10 с, 1 мин, 5 мин, 30 мин, 2 ч, 6 ч, 12 ч и 24 ч, потом считаются неудавшимися.
int-rule-gone = Ответ 410 Gone выключает вебхук, пока вы не включите его здесь.
int-tokens = API-токены
int-token-name = Название
int-created = Создан
int-last-used = Использован
int-expires = Истекает
int-actions = Действия
int-new-token = Выпустить ещё токен
int-token-name-example = Продакшен
int-token-days = Срок в днях (пусто — бессрочно)
int-never = никогда
int-issue-token = Выпустить токен
int-webhooks = Вебхуки
int-no-webhooks = Вебхуков пока нет: бот ничего не узнает, пока вы не добавите хотя бы один.
int-new-webhook = Добавить вебхук
int-webhook-name = Название
int-webhook-name-example = CRM
int-webhook-url = URL
int-webhook-url-hint = Полный адрес http:// или https://, принимающий POST-запросы.
int-events = События
int-ev-message-created = в комнате или обращении, которые видит бот, появилось сообщение
int-ev-message-updated = сообщение отредактировали
int-ev-message-deleted = сообщение удалили
int-ev-conversation-created = посетитель сайта начал обращение во входящем канале, где работает бот
int-ev-conversation-status-changed = обращение стало ожидающим, открытым, отложенным или решённым
int-ev-conversation-assigned = обращение кому-то назначили
int-log = Журнал доставок
int-ping = Проверить
int-edit = Изменить
int-rotate = Новый секрет
int-delete = Удалить
int-log-title = Доставки, новые сверху
int-filter = Статус
int-all = Все
int-st-pending = В очереди
int-st-delivered = Доставлено
int-st-failed = Не доставлено
int-refresh = Обновить
int-d-event = Событие
int-d-status = Статус
int-d-attempts = Попытки
int-d-result = Последний результат
int-d-time = Время
int-log-empty = Доставок пока нет. Нажмите «Проверить», чтобы отправить тестовую.
int-more = Показать ещё
int-active = Активен
int-deactivated = Отключён
int-deactivate = Отключить
int-reactivate = Включить
int-deactivate-confirm = Отключить { $name }? Его токены перестанут работать, пока вы его снова не включите.
int-deactivated-done = Бот отключён.
int-reactivated-done = Бот снова активен.
int-agent-of = Бот-агент в каналах:
int-agent-none = Не бот-агент ни в одном входящем канале.
int-agent-where = Выбрать в настройках поддержки
int-no-bots = Бот-аккаунтов пока нет.
int-create-first = Создать первого бота
int-no-tokens = Токенов нет.
int-never-used = не использовался
int-revoked = Отозван
int-expired = Истёк
int-revoke = Отозвать
int-revoke-confirm = Отозвать токен «{ $name }»? Программы, которые им пользуются, сразу получат отказ.
int-revoked-done = Токен отозван.
int-token-title = Новый токен «{ $name }»
int-bot-token-title = Токен @{ $name }
int-token-warning = Скопируйте его сейчас и сохраните в надёжном месте: он показывается только один раз. Если потеряете — выпустите новый, а этот отзовите.
int-hook-secret-title = Секрет подписи «{ $name }»
int-hook-secret-warning = Скопируйте его сейчас в настройки получателя: он показывается только один раз. По нему проверяют, что доставка пришла от Steward.
int-rotate-warning = Старый секрет уже не работает. Сразу пропишите новый у получателя: он показывается только один раз.
int-secret-done = Я сохранил
int-copied = Скопировано.
int-copy-failed = Не удалось скопировать: выделите текст и скопируйте вручную.
int-create-webhook = Добавить вебхук
int-save = Сохранить
int-saved = Сохранено.
int-pinged = Проверка поставлена в очередь (доставка №{ $id }).
int-paused = Приостановлено: новые события не отправляются, пока вы не возобновите.
int-resumed = Возобновлено.
int-rotate-confirm = Создать новый секрет подписи? Текущий сразу перестанет работать.
int-delete-confirm = Удалить вебхук «{ $name }» вместе с журналом доставок?
int-deleted = Вебхук удалён.
int-pause = Приостановить
int-resume = Возобновить
int-paused-state = Приостановлен
int-switched-off = Выключен
int-off-gone = Выключен: получатель ответил 410 Gone. Исправьте получателя и нажмите «Возобновить».
int-off-other = Выключен: { $reason }.
int-count-pending = в очереди
int-count-delivered = доставлено
int-count-failed = не доставлено
int-next-try = следующая попытка
int-details = Подробнее
int-redeliver = Отправить снова
int-redelivered = Доставка №{ $id } снова в очереди.
int-body-sent = Отправленное тело
int-attempts-title = Попытки
int-no-attempts = Ещё не отправлялась.
int-no-answer = нет ответа
int-response = Ответ (первый килобайт)
sup-bot-title = Кто отвечает первым
sup-bot-faq = Встроенный FAQ-бот
sup-agent-bot = Бот-агент (внешний бот-аккаунт)
sup-agent-none = Нет
sup-agent-timeout = Передавать людям, если бот не ответил за столько секунд (0 — никогда)
sup-bot-hint = Либо одно, либо другое: встроенный FAQ-бот отвечает по базе знаний; бот-агент получает новые обращения через вебхуки и отвечает через API. Оба передают обращение операторам.
sup-agent-manage = Боты и вебхуки
