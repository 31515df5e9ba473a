# Steward — English.
# Keys starting with `js-` are sent to the browser script (formatted without
# arguments; the script fills `{ $var }` itself). Plurals for the script are
# separate keys ending in -one / -few / -many / -other.

## Product

app-name = Steward
app-tagline = Team chat that lives on your own server.
skip-to-content = Skip to content
noscript = Steward needs JavaScript for the live chat.

## Sign in and first run

login-title = Sign in
login-username = Username or e-mail
login-password = Password
login-submit = Sign in
login-footer = Forgot your password? Ask an administrator of this server.
setup-title = Create the owner account
setup-lead = This is the first start. The account you create now manages the whole server.
setup-username-hint = 2–32 characters: Latin letters, digits, dot, dash or underscore. Used for @mentions.
setup-submit = Create account and start
password-hint = At least 8 characters.
form-optional = (optional)

## Sidebar

nav-sidebar = Navigation
nav-open = Open navigation
nav-close = Close navigation
nav-rooms = Rooms
nav-channels = Channels
nav-groups = Groups
nav-direct = Direct messages
nav-channels-empty = No channels yet.
nav-groups-empty = No groups yet.
nav-direct-empty = No conversations yet.
nav-filter-label = Find a room
nav-filter-placeholder = Jump to…
nav-filter-empty = No rooms match.
nav-settings = Settings
nav-logout = Sign out
unread-count = { $count ->
    [one] { $count } unread message
   *[other] { $count } unread messages
}
mention-count = { $count ->
    [one] { $count } mention
   *[other] { $count } mentions
}
presence-online = Online
presence-away = Away
presence-offline = Offline

## Dialogs

browse-channels = Browse channels
browse-filter = Filter channels
create-room = Create a room
create-channel = Create a channel
create-group = Create a group
create-room-name-placeholder = e.g. design-team
create-room-submit = Create
kind-channel = Channel
kind-channel-hint = Public: anyone on this server can find and join it.
kind-group = Private group
kind-group-hint = Private: only invited members can see it.
kind-broadcast = Broadcast channel
kind-broadcast-hint = Public, but only owners, moderators and editors can post.
dm-new = New direct message
dm-who = People
dm-hint = Up to 8 people. If the conversation already exists, it opens.
dm-submit = Open conversation
dialog-cancel = Cancel
dialog-close = Close
dialog-confirm = Confirm
picker-placeholder = Type a name…
picker-results = Matching people

## Conversation

members-title = Members
members-add = Add members
members-add-submit = Add
members-count = { $count ->
    [one] { $count } member
   *[other] { $count } members
}
pins-title = Pinned messages
panel-close = Close panel
room-leave = Leave room
room-join = Join
room-preview-notice = You are previewing this channel. Join to take part.
room-readonly-notice = Only owners, moderators and editors can post here. You can still react.
room-archived-notice = This room is archived and read-only.
room-start = This is the very beginning of the conversation.
conn-reconnecting = Connection lost. Reconnecting…
messages-label = Messages in { $room }
messages-loading = Loading earlier messages…
jump-latest = Jump to latest
composer-label = Write a message
composer-placeholder = Message { $room }
composer-placeholder-direct = Message { $name }
composer-hint = **bold**, _italic_, `code`, > quote · Enter to send · Shift+Enter for a new line
composer-attach = Attach files
composer-send = Send
composer-cancel = Cancel
composer-drop = Drop files to attach
empty-title = Pick a room or create one
empty-text = Conversations live in channels, private groups and direct messages.

## Search

back-to-chat = Back to chat
search-title = Search
search-label = Search messages
search-placeholder = Search messages
search-room = Room
search-all-rooms = All rooms
search-submit = Search
search-empty-title = Search your messages
search-empty-text = Word forms match in English and Russian: “report” also finds “reports”.
search-no-results = Nothing found for “{ $query }”
search-no-results-text = Try other words, or search all rooms.
search-results-count = { $count ->
    [one] { $count } message found
   *[other] { $count } messages found
}
search-open = Open in conversation →

## Settings

settings-title = Settings
settings-saved = Changes saved.
settings-profile = Profile
settings-save = Save changes
settings-password = Password
settings-current-password = Current password
settings-new-password = New password
settings-password-submit = Change password
settings-session = Session
settings-signed-in-as = Signed in as @{ $name }
locale-ru = Русский
locale-en = English

## Browser script

js-today = Today
js-yesterday = Yesterday
js-new-messages = New messages
js-edited = (edited)
js-message-deleted = This message was deleted.
js-sending = Sending…
js-send-failed = Not sent.
js-retry = Retry
js-discard = Discard
js-reply-goto = Go to the message from { $name }
js-replying-to = Replying to { $name }
js-editing = Editing message
js-editing-hint = Enter to save, Esc to cancel
js-action-react = Add reaction
js-action-reply = Reply
js-action-edit = Edit
js-action-delete = Delete
js-action-pin = Pin
js-action-unpin = Unpin
js-action-copy-link = Copy link
js-message-actions = Message actions
js-reaction-label = Reaction { $emoji }: { $count }
js-pick-reaction = Pick a reaction
js-pinned = Pinned
js-pinned-done = Message pinned
js-unpinned-done = Message unpinned
js-link-copied = Link copied
js-confirm = OK
js-confirm-delete = Delete this message? This cannot be undone.
js-confirm-leave = Leave { $room }?
js-leave = Leave
js-you = you
js-uploading = uploading…
js-upload-failed = failed
js-uploads-pending = Wait until the files finish uploading.
js-edit-no-attachments = Files can’t be added while editing.
js-attachment-remove = Remove { $name }
js-message-not-found = That message could not be found.
js-error-generic = Something went wrong.
js-error-network = No connection to the server.
js-loading = Loading…
js-pins-empty = No pinned messages yet.
js-jump-to-message = Go to message
js-typing-one = { $name } is typing…
js-typing-two = { $first } and { $second } are typing…
js-typing-several = Several people are typing…
js-presence-online = Online
js-presence-away = Away
js-presence-offline = Offline
js-room-removed = You are no longer a member of this room.
js-picker-none = Nobody found
js-picker-remove = Remove { $name }
js-pick-someone = Pick at least one person.
js-name-required = Enter a name.
js-browse-empty = No public channels yet.
js-join = Join
js-join-named = Join { $room }
js-open = Open
js-unread-one = { $count } unread message
js-unread-few = { $count } unread messages
js-unread-many = { $count } unread messages
js-unread-other = { $count } unread messages
js-mentions-one = { $count } mention
js-mentions-few = { $count } mentions
js-mentions-many = { $count } mentions
js-mentions-other = { $count } mentions
js-members-one = { $count } member
js-members-few = { $count } members
js-members-many = { $count } members
js-members-other = { $count } members
js-members-added-one = { $count } person added
js-members-added-few = { $count } people added
js-members-added-many = { $count } people added
js-members-added-other = { $count } people added

## API errors (code → error-<code with dashes>; $field is the translated field name)

error-not-found = Not found.
error-forbidden = You don’t have permission to do that.
error-unauthorized = Please sign in again.
error-invalid-credentials = Wrong username or password.
error-too-many-requests = Too many requests. Try again in { $seconds ->
    [one] { $seconds } second
   *[other] { $seconds } seconds
}.
error-conflict = { $field }: this value is already taken.
error-payload-too-large = The upload is too large.
error-unsupported-type = This file type is not supported.
error-internal = Something went wrong on the server. Please try again.
error-bad-request = Invalid request ({ $field }).
error-cannot-leave-direct = You can’t leave a direct conversation.
error-cannot-post = You can’t post in this room.
error-csrf-failed = The form has expired. Reload the page and try again.
error-expected-json = The request must be JSON.
error-invalid-field = { $field } has an invalid value.
error-invalid-json = The request is not valid JSON.
error-invalid-path = Invalid address.
error-invalid-query = Invalid query parameters.
error-invalid-reference = { $field } refers to something that doesn’t exist.
error-limit-reached = { $field }: the limit has been reached.
error-not-a-member = You are not a member of this room.
error-out-of-range = { $field } is out of range.
error-wrong-password = The current password is wrong.
error-required = { $field } is required.

## Field rules

rule-required = { $field } is required.
rule-too-short = { $field } must be at least { $limit } { $limit ->
    [one] character
   *[other] characters
} long.
rule-too-long = { $field } must be at most { $limit } { $limit ->
    [one] character
   *[other] characters
} long.
rule-invalid-format = { $field } has an invalid format.
rule-invalid-choice = { $field } is not one of the allowed values.
rule-too-common = This { $field } is on lists of leaked passwords; choose another.

## Field names (also form labels)

field-username = Username
field-password = Password
field-display_name = Display name
field-email = E-mail
field-name = Name
field-topic = Topic
field-body = Message text
field-kind = Type
field-members = Members
field-locale = Language
field-emoji = Emoji
field-nonce = Message key
field-avatar_color = Avatar colour
field-role = Role
field-file = File
field-seq = Position
field-user_ids = People
field-current_password = Current password
field-new_password = New password
field-limit = Limit
field-room_id = Room
field-reply_to = Reply
field-attachments = Attachments
field-status = Status
field-rooms = Rooms
field-op = Operation
field-q = Search query
field-token = Token

## Permissions, room policies, administration
error-slow-mode = Slow mode is on in this room: wait { $seconds ->
    [one] { $seconds } second
   *[other] { $seconds } seconds
} before your next message.
error-cannot-upload = You cannot attach files in this room.
error-last-owner = The last owner cannot stop being owner; make someone else owner first.
error-cannot-deactivate-self = You cannot deactivate your own account.
field-slow_mode_secs = slow mode
field-post = who may post
field-react = who may react
field-upload = who may upload
field-mention_room = who may use @room
field-invite = who may invite
field-read_only = announcement mode
field-format = format
field-since = from
field-until = until
login-code = Authenticator code
login-code-hint = The 6 digits from your authenticator app, or one of your recovery codes.
error-totp-required = Enter the code from your authenticator app.
error-invalid-totp = That code is not right. Check the time on your phone, or use a recovery code.
error-totp-replayed = That code was used already; wait for the next one.
error-totp-enabled = Two-factor authentication is on already.
error-totp-not-pending = Start two-factor setup first.
error-totp-unavailable = Two-factor sign-in is unavailable: the server cannot read its stored secrets. Ask the administrator to restore the secret key.
field-code = code
signup-title = Join Steward
signup-lead = You were invited. Choose a username and a password to start.
signup-submit = Create my account
signup-invalid = This invite link has expired, been used up or been revoked. Ask for a new one.
field-label = label
field-max_uses = uses
field-expires_in_hours = expiry
nav-admin = Administration
admin-title = Administration
admin-system = System
admin-version = Version
admin-database = Database
admin-online = Connections now
admin-people = People
admin-search = Name, username or e-mail
admin-status = Status
admin-any = Any
admin-filter = Show
admin-person = Person
admin-actions = Actions
admin-save = Save
admin-deactivate = Deactivate
admin-reactivate = Reactivate
admin-force-logout = Sign out everywhere
admin-nobody = Nobody matches.
admin-invites = Invite links
admin-invite-created = Invite link created. Copy it now: it is shown only once.
admin-invite-link = Invite link
admin-invite-hours = Valid for, hours
admin-invite-create = Create link
admin-invite-until = Valid until
admin-invite-revoke = Revoke
admin-invite-revoked = Revoked
admin-invites-none = No invite links yet.
admin-audit = Audit log
admin-audit-action = Action
admin-audit-when = When
admin-audit-who = Who
admin-audit-target = Target
admin-audit-none = Nothing recorded yet.
admin-done = Done.
role-owner = Owner
role-admin = Administrator
role-moderator = Moderator
role-supervisor = Supervisor
role-operator = Operator
role-member = Member
role-guest = Guest
status-active = Active
status-deactivated = Deactivated
settings-2fa = Two-factor authentication
settings-2fa-is-off = Off. Turn it on to ask for a code from an authenticator app at every sign-in.
settings-2fa-is-on = On. { $count ->
    [one] { $count } recovery code left.
   *[other] { $count } recovery codes left.
}
settings-2fa-turn-on = Turn on
settings-2fa-turn-off = Turn off
settings-2fa-scan = Add this key to your authenticator app (Google Authenticator, Aegis, 1Password…), then type the code it shows.
settings-2fa-open-app = Open in an authenticator app
settings-2fa-confirm = Confirm
settings-2fa-on-now = Two-factor authentication is on.
settings-2fa-recovery = Keep these recovery codes somewhere safe: each signs you in once if you lose your phone. They are shown only now.
error-totp-setup-required = Your role must use two-factor authentication: turn it on below to continue.
field-signup_domains = e-mail domains
signup-open-lead = Create your account to join the conversation.
error-signup-domain = Sign-up is open to addresses of the organisation's e-mail domains only.
reset-title = Choose a new password
reset-lead = This link works once. Every device signed in to your account is signed out.
reset-submit = Set the password
reset-invalid = This reset link was used already or has expired. Ask an administrator for a new one.
deleted-user = Deleted user
admin-settings = Settings
admin-signup-policy = Who can sign up
signup-policy-closed = Nobody (administrators create accounts)
signup-policy-invite_only = People with an invite link
signup-policy-open = Anyone, at /signup
signup-policy-domains = People with an e-mail address at these domains
admin-domains-hint = Comma-separated, for the last option.
admin-require-2fa = Roles that must use two-factor authentication
error-token-scope = This API token may not do that.
error-deactivated = This account is deactivated.
field-scopes = scopes
field-expires_in_days = expiry
admin-sections = Sections
admin-roles = Roles
admin-roles-hint = A custom role adds permissions to a person's system role. Nobody can hand out a permission they do not have.
admin-roles-none = No custom roles yet.
admin-role-name = Name
admin-role-description = Description
admin-role-holders = People
admin-role-edit = Edit
admin-role-delete = Delete role
admin-role-create = New role
admin-permissions = Permissions
admin-custom-roles = Custom roles
admin-custom-roles-none = none
admin-reset = Reset link
admin-reset-created = Password-reset link created. Send it to the person now: it is shown only once and works for 24 hours.
admin-reset-link = Password-reset link
admin-erase = Erase…
admin-erase-hint = Erasure wipes the profile for good (GDPR): name, e-mail, sessions, memberships, two-factor. It cannot be undone.
admin-erase-messages = Also remove every message they wrote
admin-erase-confirm = Type { $username } to confirm
admin-erase-go = Erase for good
error-confirm-username = Type the person's username to confirm.
field-role_ids = roles
field-permissions = permissions
field-description = description
perm-room-create = Create channels and groups
perm-direct-create = Start direct conversations
perm-room-join-public = See and join public channels
perm-room-invite = Add people to their rooms
perm-room-manage-any = Manage any room
perm-message-delete-any = Delete anyone's messages
perm-message-pin-any = Pin messages in any room
perm-message-mention-room = Use @room anywhere
perm-file-upload = Attach files
perm-user-list = Look people up
perm-user-invite = Invite people
perm-user-deactivate = Deactivate accounts
perm-user-manage = Manage people and their roles
perm-role-manage = Define custom roles
perm-moderation-sanction = Warn, mute, kick and ban
perm-moderation-review = Review reports and held messages
perm-support-view-all = See every support conversation
perm-audit-read = Read the audit log
perm-settings-edit = Change settings
admin-rooms = Rooms
admin-room-search = Room name
admin-room = Room
admin-default = default
admin-archived = Archived
admin-archive = Archive
admin-unarchive = Unarchive
admin-make-private = Make private
admin-make-public = Make public
admin-room-delete = Delete…
admin-room-delete-hint = Deleting removes the room with all its messages and files for everyone. It cannot be undone; archiving keeps the history.
admin-room-delete-confirm = Type { $name } to confirm
admin-room-delete-go = Delete for good
admin-rooms-none = No rooms match.
admin-default-rooms = Rooms new people join
admin-default-rooms-hint = Besides #general. Guests join only the rooms they were invited to.
error-confirm-room-name = Type the room's name to confirm.
error-default-room = This is the room everyone joins; it cannot be deleted.
field-default_rooms = default rooms
perm-compliance-export = Export messages for compliance
admin-retention = Retention and export
admin-retention-days = Keep messages, days
admin-retention-audit = Keep the audit log, days
admin-retention-pinned = Keep pinned messages
admin-retention-hint = 0 keeps for ever. The job runs every hour and records what it removed in the audit log; the audit log keeps at least 30 days.
admin-retention-run = Run now
admin-retention-done = Retention removed { $messages ->
    [one] one message
   *[other] { $messages } messages
} and { $audit ->
    [one] one audit entry
   *[other] { $audit } audit entries
}.
admin-export = Compliance export
admin-export-go = Download
admin-export-hint = A room's messages for the dates chosen, with edits and deletions; a person's messages across rooms: GET /api/v1/admin/export?user_id=…
admin-import = Import people
admin-import-csv = CSV
admin-import-hint = A header row, then one person a line: username (required), display_name, email, role, password, locale, rooms (names separated by ;). Without a password, the person gets a one-time link to set one.
admin-import-dry-run = Dry run: check every line, change nothing
admin-import-go = Import
admin-import-line = Line
admin-import-detail = Detail
admin-import-valid = valid
admin-import-created = created
admin-import-error = error
admin-import-dry = Dry run: { $ok ->
    [one] one line is valid
   *[other] { $ok } lines are valid
}, { $errors ->
    [one] one has an error
   *[other] { $errors } have errors
}. Nothing was changed.
admin-import-done = { $ok ->
    [one] One person created
   *[other] { $ok } people created
}, { $errors ->
    [one] one line refused
   *[other] { $errors } lines refused
}. Copy the links now: they are shown only once.
field-csv = CSV
field-columns = columns
field-message_days = days to keep messages
field-audit_days = days to keep the audit log
mail-invite-subject = { $inviter } invites you to Steward
mail-invite-body = Hello,

    { $inviter } invites you to join the team's chat on Steward.

    Create your account here (the link works once, for { $hours } hours):
    { $url }

    If you did not expect this, ignore this message.
error-smtp-not-configured = E-mail is not set up on this server (STEWARD_SMTP_URL).
field-emails = e-mail addresses
admin-invite-emails = Or send invites by e-mail
admin-invite-emails-hint = One address a line; each gets its own link that works once.
admin-invite-send = Send invites
admin-invite-sent = { $sent ->
    [one] One invite sent
   *[other] { $sent } invites sent
}{ $failed ->
    [0] .
   *[other] ; not sent to: { $failed_list }.
}
perm-moderation-rules = Edit automatic moderation rules
error-held = Your message is waiting for a moderator's review.
error-blocked = Your message was not sent: it breaks a rule of this chat.
error-removed-by-rule = Your message was removed by a moderation rule.
error-muted = You are muted here for now.
error-banned = You are banned from this room.
error-kicked = You were removed from this room.
error-invalid-rule = A moderation rule is not valid.
error-already-decided = Someone has decided this already.
error-own-message = You cannot report your own message.
error-already-ended = This sanction has ended already.
error-cannot-sanction-self = You cannot sanction yourself.
field-reason = reason
field-rules = rules
field-text = text
field-case_ids = cases
field-outcome = outcome
field-sanction = sanction
field-duration_secs = duration
field-appeal = appeal
field-note = note
error-modlog-private = This room's moderation log is not public.
error-join-wave = Too many people are joining this room right now; try again in a little while.
admin-limits = Rate limits
admin-limits-value = API { $api }/min per session, gateway { $gateway }/min per connection
admin-mail = E-mail
admin-mail-on = SMTP set up
admin-mail-off = not set up (STEWARD_SMTP_URL)
admin-jobs = Background jobs
admin-job = Job
admin-job-last = Last run
admin-job-retention = Retention (hourly)
admin-job-sanction-sweep = Ending sanctions (every 30 s)
admin-job-session-cleanup = Expired sessions (hourly)
admin-job-not-yet = not yet
admin-2fa-on = Two-factor authentication is on
# ---- moderation dashboard and chat actions (moderation-ui)
nav-moderation = Moderation
mod-title = Moderation
mod-sections = Moderation sections
mod-held = Review queue
mod-held-hint = Messages a rule held back. Approving posts them as their author; rejecting drops them.
mod-held-none = Nothing is waiting for review.
mod-approve = Approve
mod-reject = Reject
mod-cases = Reports
mod-cases-hint = Reports on one message are merged into a case. Escalated first, then trusted reporters, then the oldest.
mod-cases-none = No open reports.
mod-select-case = Select case { $id }
mod-escalated = Escalated
mod-reports-count = { $count ->
    [one] one report
   *[other] { $count } reports
}
mod-trusted = trusted reporter
mod-reasons = Reasons
mod-dismiss = Dismiss
mod-remove = Remove message
mod-remove-warn = Remove + warn
mod-remove-mute-1h = Remove + mute 1 h
mod-remove-mute-1d = Remove + mute 1 day
mod-remove-ban = Remove + ban from room
mod-escalate = Escalate
mod-bulk = With the selected cases
mod-bulk-go = Apply to selected
mod-appeals = Appeals
mod-appeals-none = No open appeals.
mod-kind = Sanction
mod-kind-warn = Warning
mod-kind-mute = Mute
mod-kind-kick = Kick
mod-kind-ban = Ban
mod-everywhere = Everywhere
mod-reason = Reason
mod-by-rule = rule { $rule }
mod-by = By
mod-when = When
mod-until = Until
mod-permanent = Until lifted
mod-ended = Ended
mod-evidence = Evidence
mod-note = Note to the person
mod-accept = Accept and lift
mod-sanctions = Sanctions
mod-find-person = Find a person (username or name)
mod-find = Find
mod-sanctions-none = No sanctions, past or present.
mod-lift = Lift
mod-impose = Impose a sanction
mod-duration = Duration (mute, ban)
mod-dur-1h = 1 hour
mod-dur-1d = 1 day
mod-dur-7d = 7 days
mod-dur-30d = 30 days
mod-impose-go = Impose
mod-impose-hint = The person sees the reason and the end. A kick needs a room; a warning has no duration.
mod-log = Modlog
mod-system = system
mod-dry-run = Dry run
mod-matched = Matched
mod-rules = Rules
mod-rule-refused = Rule “{ $rule }” was refused ({ $problem }). Nothing was saved.
mod-action = Action
mod-scope = Where
mod-enabled = Enabled
mod-on = On
mod-off = Off
mod-rule-delete = Delete rule
mod-rules-none = No rules yet: add the built-in presets to start.
mod-presets-add = { $count ->
    [one] Add the built-in preset
   *[other] Add the { $count } built-in presets
}
mod-rule-new = New rule
mod-rule-json = Rule (JSON)
mod-rule-json-hint = Kinds, actions and word syntax are in docs/MODERATION.md. Try a rule in dry-run first.
mod-rule-add = Add rule
mod-try = Try a message
mod-try-label = Text to check against the rules
mod-try-go = Check
mod-form-cleaned = Cleaned
mod-form-ru = Russian form
mod-form-en = English form
mod-form-layout = Wrong layout
mod-try-clean = No rule fires on this text.
mod-age-now = just now
mod-age-minutes = { $n } min ago
mod-age-hours = { $n } h ago
mod-age-days = { $n } d ago
mod-done-approved = Approved: the message is in its room.
mod-done-rejected = Rejected.
mod-done-resolved = Done: the cases are resolved.
mod-done-escalated = Escalated to the administrators.
mod-done-decided = Appeal decided; the person has been told.
mod-done-imposed = Sanction imposed; the person has been told.
mod-done-lifted = Sanction lifted; the person has been told.
mod-done-rules = Rules saved.
mod-done-presets = The built-in presets were added.
js-action-report = Report
js-report-title = Report this message
js-report-label = What is wrong with it?
js-report-send = Send report
js-report-done = Thank you: the moderators will look at it.
js-mod-menu = Moderate
js-mod-warn = Warn the author
js-mod-mute = Mute for 1 hour
js-mod-ban = Ban from this room
js-mod-reason-title = { $action }: { $name }
js-mod-reason = Reason (the person will see it)
js-mod-done = Done: { $name } has been told.
js-send-held = Your message is waiting for a moderator’s review (rule “{ $rule }”). You will be told when it is decided.
js-send-blocked = Not sent: { $message }
js-send-blocked-rule = Not sent: it breaks the rule “{ $rule }”.
js-send-removed = Not sent: removed by the rule “{ $rule }”.
js-send-kicked = You were removed from this room (rule “{ $rule }”).
js-muted-until = You are muted until { $until }. Reason: { $reason }
js-muted-forever = You are muted until a moderator lifts it. Reason: { $reason }
js-banned-until = You are banned until { $until }. Reason: { $reason }
js-banned-forever = You are banned until a moderator lifts it. Reason: { $reason }
js-warned = You have been warned. Reason: { $reason }
js-kicked = You were removed from a room. Reason: { $reason }
js-sanction-lifted = Your restriction has been lifted.
js-appeal-accepted = Your appeal was accepted. { $note }
js-appeal-rejected = Your appeal was rejected. { $note }
js-held-approved = A moderator approved your message; it is in the room now.
js-held-rejected = A moderator rejected your held message.
js-appeal = Appeal
js-appeal-title = Appeal this decision
js-appeal-label = Why should it be lifted?
js-appeal-send = Send appeal
js-appeal-sent = Your appeal has gone to the moderators.
js-polite-confirm = This may read as rude (“{ $rules }”). Send anyway?
js-polite-send = Send anyway
js-notice-close = Close
js-mod-alert = Moderation: something new to review.
js-mod-open = Open moderation
field-json = JSON
js-reason-required = Write a few words first.
admin-api-rate = API requests per minute per session
admin-api-rate-hint = Empty: the configured value (STEWARD_API_REQUESTS_PER_MINUTE). 10–100,000; bursts of a tenth are allowed.
field-api_requests_per_minute = API requests per minute
admin-job-done-retention = removed { $a } messages, { $b } files, { $c } audit entries
admin-job-done-sanction-sweep = { $a } ended
admin-job-done-session-cleanup = { $a } removed
mod-log-older = Older entries
mod-log-newest = Newest entries

## Website widget: the chat frame (widget_frame.html, widget-frame.js). `{ $var }` is filled by the script.

widget-page-title = Support chat
widget-noscript = The chat needs JavaScript.
widget-close = Close chat
widget-loading = Loading…
widget-status-online = We are online
widget-status-offline = We are away right now
widget-status-operator = { $name } is answering
widget-greeting = Hi! How can we help you?
widget-prechat-title = Before we start
widget-prechat-lead = Tell us a little about yourself so that we can help faster.
widget-department = Department
widget-department-choose = Choose…
widget-first-message = Your question
widget-start = Start chat
widget-optional = optional
widget-error-required = Please fill in this field.
widget-error-email = Enter an e-mail address like name@example.com.
widget-error-phone = Enter a phone number, digits only, with the country code.
widget-error-pattern = Check the format of this field.
widget-error-generic = Something went wrong. Please try again.
widget-error-connection = Could not reach the server. Check your connection and try again.
widget-offline-title = Leave us a message
widget-offline-lead = We are away right now and will reply by e-mail.
widget-offline-next = Back online: { $time }.
widget-name = Your name
widget-email = E-mail
widget-message = Message
widget-offline-send = Send message
widget-offline-done-title = Message sent
widget-offline-done = Thank you! We will reply to { $email } by e-mail.
widget-offline-note = We are away right now, but you can write: we will answer here when we are back.
widget-log-label = Conversation
widget-earlier = Show earlier messages
widget-you = You
widget-operator = Operator
widget-deleted = Message deleted
widget-edited = edited
widget-sending = Sending…
widget-not-sent = Not sent.
widget-retry = Retry
widget-read = Read
widget-typing = { $name } is typing…
widget-typing-someone = Operator is typing…
widget-composer-label = Message
widget-composer-placeholder = Write a message…
widget-composer-hint = Enter sends, Shift+Enter starts a new line.
widget-send = Send
widget-attach = Attach a file
widget-attachments = Files to send
widget-uploading = Uploading { $name }…
widget-remove-file = Remove { $name }
widget-upload-failed = Could not upload { $name }.
widget-reconnecting = Connection lost. Reconnecting…
widget-resolved = This conversation is closed.
widget-new-conversation = Start a new conversation
widget-csat-title = How did we do?
widget-csat-star = { $n } of 5
widget-csat-comment = Anything to add?
widget-csat-send = Send rating
widget-csat-choose = Choose a rating from 1 to 5.
widget-csat-thanks = Thank you for your feedback!

## Website widget: the demo shop (widget_demo.html)

widget-demo-title = Steward demo shop
widget-demo-tagline = Tea, cups and small joys, delivered across the country.
widget-demo-nav-catalog = Catalogue
widget-demo-nav-delivery = Delivery
widget-demo-nav-contacts = Contacts
widget-demo-products = Popular this week
widget-demo-add = Add to cart
widget-demo-p1-name = Altai herbal tea
widget-demo-p1-text = Thyme, willowherb and mountain mint, 100 g.
widget-demo-p2-name = Clay teapot
widget-demo-p2-text = Handmade, 600 ml, keeps tea warm for an hour.
widget-demo-p3-name = Pair of cups
widget-demo-p3-text = Double-walled glass, 250 ml each.
widget-demo-p4-name = Gift set
widget-demo-p4-text = Three teas, a teapot and a card with your words.
widget-demo-help = Questions about an order? Press the chat button in the corner: the support team answers right here.
widget-demo-no-inbox-title = The chat is not set up yet
widget-demo-no-inbox = An administrator must create a website widget inbox first. Then this page shows its chat button.
widget-demo-footer = This is a sample page for trying the Steward widget. Nothing here is for sale.

## Support desk (server messages)
perm-support-manage = Set up inboxes, departments, operators, SLA policies and shared replies
error-conversation-open = You already have an open conversation.
error-identity-invalid = The site's signature of this user does not match.
error-operator-full = That operator has no room for another conversation.
error-taken = Someone else has this conversation now.
error-cannot-leave-support = Leave a support conversation by transferring it or putting it back in the queue.
error-not-resolved = The conversation is not resolved yet.
error-already-rated = This conversation has already been rated.
error-no-email = The contact has no e-mail address.
error-resolved = The conversation is resolved; reopen it first.
error-conversation-merged = This conversation was merged into another one.

## Support settings page
sup-title = Support settings
sup-lead = Inboxes receive conversations from your website's widget. Choose who answers, when, and how conversations are routed.
sup-new-inbox = New inbox
sup-name = Name
sup-create = Create
sup-key = Widget key
sup-demo = Try it on the demo shop
sup-snippet = Paste this on your website, before </body>
sup-copy = Copy
sup-copied = Copied.
sup-greeting = Greeting
sup-locale = Widget language
sup-color = Colour
sup-position = Position
sup-right = Bottom right
sup-left = Bottom left
sup-routing = Routing
sup-routing-least = Least loaded operator
sup-routing-rr = Round robin
sup-routing-sticky = The same operator as last time
sup-routing-offer = Offer to everyone, first to accept
sup-routing-manual = Manual: operators take from the queue
sup-offer-timeout = Seconds to accept before passing on (0: assign outright)
sup-csat = Ask for a rating after resolution
sup-offline = Offline form outside business hours
sup-sla = SLA targets, minutes of business hours (empty: none)
sup-sla-first = First response
sup-sla-next = Next response
sup-sla-resolution = Resolution
sup-hours = Business hours (JSON; empty: always open)
sup-prechat = Pre-chat form fields (JSON)
sup-origins = Sites allowed to show the widget (one per line; empty: any)
sup-save = Save
sup-saved = Saved.
sup-operators = Operators
sup-save-operators = Save operators
sup-departments = Departments
sup-department-name = New department
sup-add = Add
sup-remove = Remove
sup-rotate = New identity secret
sup-rotate-confirm = Sites that sign user ids with the current secret must switch to the new one. Continue?
sup-secret = Identity secret (shown once; keep it on your server):
sup-delete = Delete inbox
sup-delete-confirm = Delete this inbox and all its conversations?
sup-canned = Canned responses
sup-canned-hint = Operators type / and the shortcut. Variables: {"{{"}contact.first_name{"}}"}, {"{{"}agent.name{"}}"}, with a fallback: {"{{"}contact.first_name | "there"{"}}"}.
sup-shortcut = Shortcut
sup-canned-name = Title
sup-canned-body = Text
sup-canned-example = Hello, {"{{"}contact.first_name | "there"{"}}"}! I'm {"{{"}agent.name{"}}"}.
sup-scope = Who can use it
sup-scope-global = Everyone
sup-scope-personal = Only me

## Help centre
help-title = Help centre
help-language = Language
help-search = Search the help centre
help-find = Find
help-all = All questions
help-results = Results for “{ $q }”
help-nothing = Nothing found. Try other words, or ask us in the chat.
help-heading = Frequently asked questions
help-other = Other questions
help-empty = There are no articles yet.

## The operators' inbox (/inbox): template and inbox.js
inbox-nav = Support inbox
inbox-title = Inbox
inbox-forbidden = The support inbox is for operators and supervisors.
inbox-queues = Queues
inbox-views = Views
inbox-view-inbox = Conversations
inbox-view-supervisor = Overview
inbox-shortcuts = Keyboard shortcuts
inbox-availability = Status
inbox-av-online = Online
inbox-av-away = Away
inbox-av-offline = Offline
inbox-load = { $n } of { $cap } conversations
inbox-queue-mine = Mine
inbox-queue-unassigned = Unassigned
inbox-queue-all = All
inbox-conversations = Conversations
inbox-empty = Nothing here. New conversations appear on their own.
inbox-loading = Loading…
inbox-reconnecting = Connection lost. Reconnecting…
inbox-conversation = Conversation
inbox-none-title = Pick a conversation
inbox-none-text = Choose one on the left, or go online to receive new ones.
inbox-back-to-list = Back to the list
inbox-back-to-conversation = Back to the conversation
inbox-contact = Contact
inbox-actions = Conversation actions
inbox-take = Take
inbox-join = Join
inbox-transfer = Transfer
inbox-escalate = Ask for help
inbox-snooze = Snooze
inbox-snooze-hour = For an hour
inbox-snooze-tomorrow = Until tomorrow morning
inbox-resolve = Resolve
inbox-reopen = Reopen
inbox-messages = Messages
inbox-composer = Message
inbox-mode = What you write
inbox-mode-reply = Reply
inbox-mode-note = Note
inbox-canned = Saved replies
inbox-canned-none = No saved reply starts like that.
inbox-placeholder-reply = Reply to the visitor…  Type / for saved replies
inbox-placeholder-note = A note for colleagues; the visitor never sees it
inbox-placeholder-join = Take or join the conversation to reply; notes work now
inbox-send = Send
inbox-hint = Enter sends · Shift+Enter new line · / saved replies · ? shortcuts
inbox-note = Note
inbox-deleted = Message deleted
inbox-typing = { $name } is typing…
inbox-visitor = Visitor
inbox-unread = unread
inbox-unassigned = Unassigned
inbox-assignee = Assigned to { $name }
inbox-assignee-me = you
inbox-waiting = waiting { $time }
inbox-escalated = Help asked
inbox-escalated-to = help asked from { $name }
inbox-snoozed-until = until { $time }
inbox-status-open = Open
inbox-status-pending = With the bot
inbox-status-snoozed = Snoozed
inbox-status-resolved = Resolved
inbox-priority = Priority
inbox-priority-low = Low
inbox-priority-normal = Normal
inbox-priority-high = High
inbox-priority-urgent = Urgent
inbox-sla-warning = SLA soon
inbox-sla-breached = SLA breached
inbox-labels = Labels
inbox-label-add = Add a label
inbox-label-add-btn = Add
inbox-label-remove = Remove label { $label }
inbox-email = E-mail
inbox-phone = Phone
inbox-started = Started
inbox-csat = Rating
inbox-csat-rating = Rated { $n } of 5
inbox-past = Past conversations
inbox-past-none = None before this one.
inbox-transfer-operator = To an operator
inbox-transfer-department = Or to a department
inbox-transfer-nobody = —
inbox-transfer-no-department = —
inbox-transfer-pick = Choose an operator or a department.
inbox-transfer-submit = Transfer
inbox-comment = Comment for colleagues
inbox-comment-hint = (the visitor does not see it)
inbox-escalate-hint = Supervisors are told at once; they can join, whisper a note or take over.
inbox-escalate-submit = Ask for help
inbox-taken = The conversation is yours.
inbox-joined = You joined the conversation.
inbox-resolved = Resolved.
inbox-snoozed = Snoozed.
inbox-transferred = Transferred.
inbox-escalated-sent = Supervisors have been asked for help.
inbox-assigned-toast = New conversation for you: { $name }
inbox-escalated-toast = { $name } asks for help
inbox-mention-toast = { $name } mentioned you in a note
inbox-sla-toast-warning = A conversation is close to its SLA.
inbox-sla-toast-breached = A conversation has breached its SLA.
inbox-offer-toast = A conversation is offered to you.
inbox-accept = Accept
inbox-open = Open
inbox-ov-operators = Operators
inbox-ov-name = Name
inbox-ov-load = Load
inbox-ov-connected = Connected
inbox-ov-sla = SLA at risk
inbox-ov-waiting = Waiting in the queue
inbox-ov-queue = in the queue
inbox-ov-longest = longest wait
inbox-ov-open = open
inbox-ov-at-risk = SLA at risk
inbox-ov-none = Nothing.
inbox-ov-no-operators = No operators yet.
inbox-yes = yes
inbox-no = no
inbox-key-next = next / previous conversation
inbox-key-reply = write a reply
inbox-key-note = write a note
inbox-key-take = take the conversation
inbox-key-resolve = resolve
inbox-key-canned = in the message: saved replies
inbox-key-help = this help
inbox-key-esc = close dialogs and menus
inbox-error-network = No connection to the server.
inbox-error-generic = Something went wrong. Try again.

## Inbox: suggested answers
inbox-suggest-title = Suggested answers
inbox-suggest-faq = FAQ
inbox-suggest-canned = Saved reply
inbox-suggest-insert = Insert

## Widget: help-centre search
widget-help-title = Maybe we have already answered
widget-help-label = Search our answers
widget-help-none = Nothing found — write to us below.

## The knowledge-base admin page (/support/faq)
kb-title = Knowledge base
kb-lead = What the support bot knows, the questions it could not answer, and how well it does.
kb-stats = The bot's figures
kb-stat-conversations = Conversations with the bot
kb-stat-resolved = Resolved by the bot
kb-stat-deflection = Deflection rate
kb-stat-handover = Hand-over rate
kb-stat-helpful = Helpful
kb-stat-unhelpful = Not helpful
kb-stat-feedback = Helpful / not helpful
kb-unanswered = Unanswered questions
kb-unanswered-hint = Questions the bot handed over to a person, most asked first. Answer one and the bot answers it from now on.
kb-unanswered-none = No unanswered questions. Well done.
kb-times = Asked:
kb-last = last asked
kb-answer = Answer
kb-add-to = Add to existing topic
kb-dismiss = Dismiss
kb-topic-id = Topic id
kb-topic-id-hint = Letters, digits, “_”, “-” and “.”. The same id in Russian and English is one topic.
kb-existing-topic = Existing topic
kb-answer-text = Answer (markdown)
kb-answer-keep = New answer (leave empty to keep the topic's answer)
kb-category = Category
kb-save = Save
kb-cancel = Cancel
kb-promoted = Saved: the bot answers this question from now on.
kb-dismissed = The question is dismissed.
kb-try = Try a question
kb-try-hint = What the bot would do with this question right now (published entries only).
kb-question = Question
kb-lang = Language
kb-lang-auto = Detect from the text
kb-ask = Ask
kb-would-answer = The bot answers with “%id%” (%lang%), confidence %pct%.
kb-would-suggest = The bot is not sure and offers these topics:
kb-would-handover = The bot hands over to a person:
kb-reason-human = a person was asked for.
kb-reason-low = no entry fits well enough.
kb-reason-empty = there are no words to go on.
kb-entries = Entries
kb-filter = Filter entries
kb-filter-placeholder = Id, phrasing or answer
kb-new = New entry
kb-edit = Edit
kb-delete = Delete
kb-delete-confirm = Delete the entry “%id%” (%lang%)?
kb-phrasings = Phrasings, one per line
kb-status = Status
kb-status-published = Published
kb-status-draft = Draft
kb-no-category = No category
kb-entries-none = The knowledge base is empty. Add an entry or import a file.
kb-no-match = No entry matches the filter.
kb-count = Entries: %n%
kb-import = Import a file
kb-import-hint = A JSON array of entries or a CSV file with the columns id, lang, category, status, questions, answer. Entries with the same id and language are replaced.
kb-file = JSON or CSV file
kb-import-submit = Import
kb-imported = Entries imported: %n%.
kb-import-failed = The file was not imported.
kb-export = Export
kb-export-json = Download JSON
kb-export-csv = Download CSV
kb-saved = Saved.
kb-deleted = Deleted.
kb-problem = Problem:
kb-no-file = Choose a file first.
kb-bad-type = Choose a .json or .csv file.

# Group rooms: the bot's notes and answers (group_bot.rs), the room settings page (room_settings.html).
error-cannot-edit-notes = Only the room’s owners and moderators can save and delete notes.
error-note-not-found = There is no note with that name in this room. See them all with /notes.
error-too-many-notes = This room has too many notes: delete one first.
field-faq_bot = FAQ bot
groupbot-saved = Note #{ $name } saved. Anyone can post it with #{ $name }.
groupbot-updated = Note #{ $name } updated.
groupbot-cleared = Note #{ $name } deleted.
groupbot-notes = Notes in this room: { $names }. Post one with #name.
groupbot-no-notes = This room has no notes yet. Moderators save one with /save name text.
groupbot-note-limit = This room has too many notes: delete one with /clear name first.
groupbot-dont-know = I don’t know the answer to that. Please ask a moderator of this room.
groupbot-suggest = I’m not sure what you mean. Is it one of these?
groupbot-suggest-hint = Ask me again in other words, or ask a moderator.
groupbot-hello = Hi! Mention me with your question and I’ll look in the knowledge base. This room’s notes: /notes.
room-settings-open = Room settings and notes
room-settings-title = Room settings
room-settings-back = Back to the room
room-settings-saved-bot = The bot setting is saved.
room-settings-saved-note = The note is saved.
room-settings-saved-deleted = The note is deleted.
room-bot-title = FAQ bot
room-bot-legend = When the bot (@steward-bot) answers from the knowledge base
room-bot-off = Off
room-bot-off-hint = The bot answers no questions here. Notes still work.
room-bot-mention = When asked
room-bot-mention-hint = It answers messages that mention @steward-bot or reply to it; if it doesn’t know, it says so.
room-bot-auto = Automatically
room-bot-auto-hint = Also answers questions the knowledge base answers with high confidence, once per topic every two minutes. Other messages get no reply.
room-bot-kb-empty = The knowledge base is empty, so the bot has nothing to answer with yet.
room-notes-title = Notes
room-notes-hint = Anyone in the room posts a note by writing #name, or lists them with /notes. Owners and moderators save one with /save name text (or /save name in reply to a message) and delete it with /clear name.
room-notes-none = No notes yet.
room-notes-edit = Edit
room-notes-body = Text (markdown)
room-notes-delete = Delete
room-notes-new = New note
room-notes-name = Name
room-notes-name-hint = Up to 64 letters, digits, _ and -; people write #name to post it.
room-notes-save = Save note
int-title = Integrations
int-back = Administration
int-lead = Bot accounts sign in with API tokens and get what happens as signed webhooks. An inbox can hand new conversations to a bot first.
int-bots = Bots
int-new-bot = New bot account
int-verify = How to verify signatures
int-openapi = API reference (OpenAPI)
int-loading = Loading…
int-new-bot-hint = A bot is an account that signs in only with API tokens; it has no password. Its first token is shown once, right after it is created.
int-username = Username
int-username-hint = Letters, digits, “_” and “-”. People see it as @username.
int-display-name = Display name
int-optional = (optional)
int-display-name-example = CRM sync
int-scopes = Token scopes
int-scope-read = read rooms, messages and conversations it can see
int-scope-write = post, reply, hand over, change conversations
int-create-bot = Create bot
int-verify-lead = Every delivery is an HTTP POST with a JSON body and three headers:
int-h-event = the event, such as message.created
int-h-delivery = the delivery's id; the same on retries, so use it to drop duplicates
int-h-signature = t=timestamp,v1=hex HMAC-SHA256 of “t.body” with the webhook's signing secret
int-verify-how = Compute the HMAC over the raw body exactly as received, compare in constant time, and refuse a timestamp older than five minutes. In Python:
int-verify-python = Signature check in Python
int-copy = Copy
int-rule-answer = Answer with any 2xx within 10 seconds; do slow work after answering. Redirects count as failures.
int-rule-dedupe = A delivery may arrive more than once and out of order: deduplicate on X-Steward-Delivery.
int-rule-retry = Failed deliveries are retried after 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h and 24 h, then marked failed.
int-rule-gone = Answering 410 Gone switches the webhook off until you resume it here.
int-tokens = API tokens
int-token-name = Name
int-created = Created
int-last-used = Last used
int-expires = Expires
int-actions = Actions
int-new-token = Issue another token
int-token-name-example = Production
int-token-days = Expires in days (empty: never)
int-never = never
int-issue-token = Issue token
int-webhooks = Webhooks
int-no-webhooks = No webhooks yet: this bot learns nothing until you add one.
int-new-webhook = Add a webhook
int-webhook-name = Name
int-webhook-name-example = CRM
int-webhook-url = URL
int-webhook-url-hint = An absolute http:// or https:// address that accepts POST requests.
int-events = Events
int-ev-message-created = a message is posted in a room or conversation the bot can see
int-ev-message-updated = a message is edited
int-ev-message-deleted = a message is removed
int-ev-conversation-created = a website visitor starts a conversation in an inbox the bot works in
int-ev-conversation-status-changed = a conversation becomes pending, open, snoozed or resolved
int-ev-conversation-assigned = a conversation is assigned to someone
int-log = Delivery log
int-ping = Ping
int-edit = Edit
int-rotate = New secret
int-delete = Delete
int-log-title = Deliveries, newest first
int-filter = Status
int-all = All
int-st-pending = Pending
int-st-delivered = Delivered
int-st-failed = Failed
int-refresh = Refresh
int-d-event = Event
int-d-status = Status
int-d-attempts = Attempts
int-d-result = Last result
int-d-time = Time
int-log-empty = No deliveries here yet. Press Ping to send a test.
int-more = Load more
int-active = Active
int-deactivated = Deactivated
int-deactivate = Deactivate
int-reactivate = Reactivate
int-deactivate-confirm = Deactivate { $name }? Its tokens stop working until you reactivate it.
int-deactivated-done = The bot is deactivated.
int-reactivated-done = The bot is active again.
int-agent-of = Agent bot of:
int-agent-none = Not an agent bot in any inbox.
int-agent-where = Choose in support settings
int-no-bots = No bot accounts yet.
int-create-first = Create the first bot
int-no-tokens = No tokens.
int-never-used = never
int-revoked = Revoked
int-expired = Expired
int-revoke = Revoke
int-revoke-confirm = Revoke the token “{ $name }”? Programs using it are refused at once.
int-revoked-done = The token is revoked.
int-token-title = New token “{ $name }”
int-bot-token-title = The token of @{ $name }
int-token-warning = Copy it now and keep it somewhere safe: it is shown only once. If it is lost, issue another and revoke this one.
int-hook-secret-title = Signing secret of “{ $name }”
int-hook-secret-warning = Copy it now into your receiver's configuration: it is shown only once. It verifies that deliveries come from Steward.
int-rotate-warning = The old secret has stopped working. Put this one in your receiver now: it is shown only once.
int-secret-done = I have saved it
int-copied = Copied.
int-copy-failed = Could not copy: select the text and copy it yourself.
int-create-webhook = Add webhook
int-save = Save
int-saved = Saved.
int-pinged = Ping queued (delivery #{ $id }).
int-paused = Paused: new events are not sent until you resume.
int-resumed = Resumed.
int-rotate-confirm = Make a new signing secret? The current one stops working at once.
int-delete-confirm = Delete the webhook “{ $name }” and its delivery log?
int-deleted = The webhook is deleted.
int-pause = Pause
int-resume = Resume
int-paused-state = Paused
int-switched-off = Switched off
int-off-gone = Switched off: the receiver answered 410 Gone. Fix the receiver, then press Resume.
int-off-other = Switched off: { $reason }.
int-count-pending = pending
int-count-delivered = delivered
int-count-failed = failed
int-next-try = next try
int-details = Details
int-redeliver = Redeliver
int-redelivered = Delivery #{ $id } is queued again.
int-body-sent = Body sent
int-attempts-title = Attempts
int-no-attempts = Not tried yet.
int-no-answer = no answer
int-response = Response (first kilobyte)
sup-bot-title = Who answers first
sup-bot-faq = The built-in FAQ bot
sup-agent-bot = Agent bot (an external bot account)
sup-agent-none = None
sup-agent-timeout = Hand over to people after this many seconds without a bot answer (0: never)
sup-bot-hint = One or the other: the built-in FAQ bot answers from the knowledge base; an agent bot gets new conversations through its webhooks and answers through the API. Either one hands over to operators.
sup-agent-manage = Manage bots and webhooks
