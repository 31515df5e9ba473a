//! Users and sessions.

use sea_query::{Expr, ExprTrait, JoinType, Order, Query};
use steward_core::SystemRole;
use steward_core::model::{SessionRecord, User, UserStatus};

use crate::{Result, Store, StoreError, now_ms};

pub(crate) const USER_COLS: [&str; 10] = [
    "id",
    "username",
    "display_name",
    "email",
    "locale",
    "avatar_color",
    "role",
    "status",
    "created_at",
    "extra_permissions",
];

pub(crate) type UserRow = (i64, String, String, Option<String>, String, String, String, String, i64, String);

pub(crate) fn user_from_row(r: UserRow) -> User {
    User {
        id: r.0,
        username: r.1,
        display_name: r.2,
        email: r.3,
        locale: r.4,
        avatar_color: r.5,
        role: SystemRole::parse(&r.6).unwrap_or(SystemRole::Member),
        status: UserStatus::from_db(&r.7),
        created_at: r.8,
        extra_permissions: steward_core::PermissionSet::from_names(&r.9),
    }
}

pub(crate) fn map_unique(e: sqlx::Error, fields: &[&'static str]) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        let text = format!("{} {}", d.message(), d.constraint().unwrap_or_default());
        for f in fields {
            if text.contains(f) {
                return StoreError::Conflict(f);
            }
        }
        return StoreError::Conflict(fields.first().copied().unwrap_or("value"));
    }
    StoreError::Database(e)
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub locale: String,
    pub avatar_color: String,
    pub role: SystemRole,
}

#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    /// `Some(None)` clears the address.
    pub email: Option<Option<String>>,
    pub locale: Option<String>,
    pub avatar_color: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub session_id: i64,
    pub user: User,
    pub kind: String,
    pub last_seen_at: i64,
}

impl Store {
    pub async fn create_user(&self, new: &NewUser) -> Result<User> {
        let now = now_ms();
        let q = Query::insert()
            .into_table("users")
            .columns([
                "username",
                "display_name",
                "email",
                "password_hash",
                "locale",
                "avatar_color",
                "role",
                "status",
                "created_at",
                "updated_at",
            ])
            .values_panic([
                new.username.clone().into(),
                new.display_name.clone().into(),
                new.email.clone().into(),
                new.password_hash.clone().into(),
                new.locale.clone().into(),
                new.avatar_color.clone().into(),
                new.role.as_str().into(),
                UserStatus::Active.as_str().into(),
                now.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(USER_COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = match tx.conn().one::<UserRow>(&q).await {
            Ok(r) => r,
            Err(StoreError::Database(e)) => return Err(map_unique(e, &["username", "email"])),
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(user_from_row(row))
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let q = Query::select().columns(USER_COLS).from("users").and_where(Expr::col("id").eq(id)).to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<UserRow>(&q).await?.map(user_from_row))
    }

    pub async fn users_by_ids(&self, ids: &[i64]) -> Result<Vec<User>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let q = Query::select()
            .columns(USER_COLS)
            .from("users")
            .and_where(Expr::col("id").is_in(ids.iter().copied()))
            .order_by("id", Order::Asc)
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<UserRow>(&q).await?.into_iter().map(user_from_row).collect())
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let q = Query::select()
            .columns(USER_COLS)
            .from("users")
            .and_where(Expr::col("username").eq(username.to_ascii_lowercase()))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<UserRow>(&q).await?.map(user_from_row))
    }

    /// Finds a user by username or e-mail for login; returns the password hash too.
    pub async fn user_for_login(&self, login: &str) -> Result<Option<(User, String)>> {
        let login = login.trim().to_lowercase();
        let mut cols: Vec<&str> = USER_COLS.to_vec();
        cols.push("password_hash");
        let q = Query::select()
            .columns(cols)
            .from("users")
            .cond_where(Expr::col("username").eq(login.clone()).or(Expr::col("email").eq(login)))
            .and_where(Expr::col("is_visitor").eq(false))
            .order_by("id", Order::Asc)
            .limit(1)
            .to_owned();
        type Row = (i64, String, String, Option<String>, String, String, String, String, i64, String, String);
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<Row>(&q).await?.map(|r| {
            let hash = r.10.clone();
            (user_from_row((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9)), hash)
        }))
    }

    /// Active users whose username or display name contains `q` (case-insensitive).
    pub async fn search_users(&self, q: &str, limit: u64) -> Result<Vec<User>> {
        let needle = q.trim().to_lowercase();
        let mut s = Query::select();
        s.columns(USER_COLS)
            .from("users")
            .and_where(Expr::col("status").eq("active"))
            .and_where(Expr::col("is_visitor").eq(false))
            .order_by("username", Order::Asc)
            .limit(limit.clamp(1, 100));
        if !needle.is_empty() {
            let pat = format!("%{}%", needle.replace(['%', '_', '\\'], ""));
            s.cond_where(
                Expr::col("username").like(pat.clone()).or(Expr::expr(Expr::cust("LOWER(display_name)")).like(pat)),
            );
        }
        let mut c = self.pools.read().await?;
        let mut users: Vec<User> = c.conn().all::<UserRow>(&s).await?.into_iter().map(user_from_row).collect();
        // SQLite's LOWER() folds ASCII only; finish Cyrillic matching here.
        if !needle.is_empty() && users.len() < limit as usize {
            let pat = needle.clone();
            let extra = Query::select()
                .columns(USER_COLS)
                .from("users")
                .and_where(Expr::col("status").eq("active"))
                .and_where(Expr::col("is_visitor").eq(false))
                .order_by("username", Order::Asc)
                .limit(1000)
                .to_owned();
            for u in c.conn().all::<UserRow>(&extra).await?.into_iter().map(user_from_row) {
                if users.len() >= limit as usize {
                    break;
                }
                if !users.iter().any(|x| x.id == u.id) && u.display_name.to_lowercase().contains(&pat) {
                    users.push(u);
                }
            }
            users.sort_by(|a, b| a.username.cmp(&b.username));
        }
        Ok(users)
    }

    pub async fn count_users_with_role(&self, role: SystemRole) -> Result<i64> {
        let q = Query::select()
            .expr(Expr::col("id").count())
            .from("users")
            .and_where(Expr::col("role").eq(role.as_str()))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().one::<(i64,)>(&q).await?.0)
    }

    pub async fn update_profile(&self, id: i64, up: &ProfileUpdate) -> Result<User> {
        let mut q = Query::update();
        q.table("users").value("updated_at", now_ms()).and_where(Expr::col("id").eq(id));
        if let Some(v) = &up.display_name {
            q.value("display_name", v.clone());
        }
        if let Some(v) = &up.email {
            q.value("email", v.clone());
        }
        if let Some(v) = &up.locale {
            q.value("locale", v.clone());
        }
        if let Some(v) = &up.avatar_color {
            q.value("avatar_color", v.clone());
        }
        q.returning(Query::returning().columns(USER_COLS));
        let mut tx = self.tx().await?;
        let row = match tx.conn().opt::<UserRow>(&q).await {
            Ok(Some(r)) => r,
            Ok(None) => return Err(StoreError::NotFound),
            Err(StoreError::Database(e)) => return Err(map_unique(e, &["email"])),
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(user_from_row(row))
    }

    pub async fn set_password_hash(&self, id: i64, hash: &str) -> Result<()> {
        let q = Query::update()
            .table("users")
            .value("password_hash", hash)
            .value("updated_at", now_ms())
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        let mut tx = self.tx().await?;
        if tx.conn().exec(&q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await
    }

    pub async fn set_user_role(&self, id: i64, role: SystemRole) -> Result<User> {
        let q = Query::update()
            .table("users")
            .value("role", role.as_str())
            .value("updated_at", now_ms())
            .and_where(Expr::col("id").eq(id))
            .returning(Query::returning().columns(USER_COLS))
            .to_owned();
        let mut tx = self.tx().await?;
        let row = tx.conn().opt::<UserRow>(&q).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(user_from_row(row))
    }

    /// People for the admin console: filtered by text, role and status, by username.
    pub async fn list_users(
        &self,
        q: &str,
        role: Option<SystemRole>,
        status: Option<UserStatus>,
        limit: u64,
    ) -> Result<Vec<User>> {
        let mut s = Query::select();
        s.columns(USER_COLS)
            .from("users")
            .and_where(Expr::col("is_visitor").eq(false))
            .order_by("username", Order::Asc)
            .limit(limit.clamp(1, 1000));
        let needle = q.trim().to_lowercase();
        if !needle.is_empty() {
            let pat = format!("%{}%", needle.replace(['%', '_', '\\'], ""));
            s.cond_where(
                Expr::col("username")
                    .like(pat.clone())
                    .or(Expr::col("email").like(pat.clone()))
                    .or(Expr::expr(Expr::cust("LOWER(display_name)")).like(pat)),
            );
        }
        if let Some(r) = role {
            s.and_where(Expr::col("role").eq(r.as_str()));
        }
        if let Some(st) = status {
            s.and_where(Expr::col("status").eq(st.as_str()));
        }
        let mut c = self.pools.read().await?;
        Ok(c.conn().all::<UserRow>(&s).await?.into_iter().map(user_from_row).collect())
    }

    pub async fn set_user_status(&self, id: i64, status: UserStatus) -> Result<()> {
        let q = Query::update()
            .table("users")
            .value("status", status.as_str())
            .value("updated_at", now_ms())
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        let mut tx = self.tx().await?;
        if tx.conn().exec(&q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        if status == UserStatus::Deactivated {
            let d = Query::delete().from_table("sessions").and_where(Expr::col("user_id").eq(id)).to_owned();
            tx.conn().exec(&d).await?;
        }
        tx.commit().await
    }

    // ---- sessions: only a hash of the token is stored ----

    pub async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        kind: &str,
        ttl_ms: i64,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<i64> {
        let now = now_ms();
        let q = Query::insert()
            .into_table("sessions")
            .columns(["token_hash", "user_id", "kind", "created_at", "last_seen_at", "expires_at", "ip", "user_agent"])
            .values_panic([
                token_hash.into(),
                user_id.into(),
                kind.into(),
                now.into(),
                now.into(),
                (now + ttl_ms).into(),
                ip.map(str::to_string).into(),
                user_agent.map(|s| s.chars().take(256).collect::<String>()).into(),
            ])
            .returning_col("id")
            .to_owned();
        let mut tx = self.tx().await?;
        let id = tx.conn().one::<(i64,)>(&q).await?.0;
        tx.commit().await?;
        Ok(id)
    }

    /// The live session for a token hash and its active user; `None` when
    /// unknown, expired or the user is deactivated.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionInfo>> {
        let mut cols: Vec<(&str, &str)> = USER_COLS.iter().map(|c| ("u", *c)).collect();
        cols.extend([("s", "id"), ("s", "kind"), ("s", "last_seen_at"), ("s", "expires_at")]);
        let q = Query::select()
            .columns(cols)
            .from_as("sessions", "s")
            .join_as(JoinType::InnerJoin, "users", "u", Expr::col(("u", "id")).equals(("s", "user_id")))
            .and_where(Expr::col(("s", "token_hash")).eq(token_hash))
            .to_owned();
        type Row =
            (i64, String, String, Option<String>, String, String, String, String, i64, String, i64, String, i64, i64);
        let mut c = self.pools.read().await?;
        let Some(r) = c.conn().opt::<Row>(&q).await? else {
            return Ok(None);
        };
        let user = user_from_row((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9));
        if r.13 < now_ms() || user.status != UserStatus::Active {
            return Ok(None);
        }
        Ok(Some(SessionInfo { session_id: r.10, user, kind: r.11, last_seen_at: r.12 }))
    }

    pub async fn touch_session(&self, session_id: i64) -> Result<()> {
        let q = Query::update()
            .table("sessions")
            .value("last_seen_at", now_ms())
            .and_where(Expr::col("id").eq(session_id))
            .to_owned();
        let mut tx = self.tx().await?;
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let q = Query::delete().from_table("sessions").and_where(Expr::col("token_hash").eq(token_hash)).to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// A person's live sessions, most recently used first.
    pub async fn sessions_of(&self, user_id: i64) -> Result<Vec<SessionRecord>> {
        let q = Query::select()
            .columns(["id", "kind", "created_at", "last_seen_at", "expires_at", "ip", "user_agent"])
            .from("sessions")
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(Expr::col("expires_at").gt(now_ms()))
            .order_by("last_seen_at", Order::Desc)
            .to_owned();
        type Row = (i64, String, i64, i64, i64, Option<String>, Option<String>);
        let mut c = self.pools.read().await?;
        Ok(c.conn()
            .all::<Row>(&q)
            .await?
            .into_iter()
            .map(|r| SessionRecord {
                id: r.0,
                kind: r.1,
                created_at: r.2,
                last_seen_at: r.3,
                expires_at: r.4,
                ip: r.5,
                user_agent: r.6,
                current: false,
            })
            .collect())
    }

    /// Ends one session of a person; false if there was none.
    pub async fn delete_session_of(&self, user_id: i64, session_id: i64) -> Result<bool> {
        let q = Query::delete()
            .from_table("sessions")
            .and_where(Expr::col("id").eq(session_id))
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Ends every session of a person; returns how many.
    pub async fn delete_sessions_of(&self, user_id: i64) -> Result<u64> {
        let q = Query::delete().from_table("sessions").and_where(Expr::col("user_id").eq(user_id)).to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Stores a reset link (its token's hash) for a person; older unused ones stop working.
    pub async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        created_by: i64,
        ttl_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let old = Query::update()
            .table("password_resets")
            .value("used_at", now)
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(Expr::col("used_at").is_null())
            .to_owned();
        tx.conn().exec(&old).await?;
        let q = Query::insert()
            .into_table("password_resets")
            .columns(["user_id", "token_hash", "created_by", "created_at", "expires_at"])
            .values_panic([user_id.into(), token_hash.into(), created_by.into(), now.into(), (now + ttl_ms).into()])
            .to_owned();
        tx.conn().exec(&q).await?;
        tx.commit().await
    }

    /// The person a live reset link is for.
    pub async fn password_reset_user(&self, token_hash: &str) -> Result<Option<i64>> {
        let q = Query::select()
            .column("user_id")
            .from("password_resets")
            .and_where(Expr::col("token_hash").eq(token_hash))
            .and_where(Expr::col("used_at").is_null())
            .and_where(Expr::col("expires_at").gt(now_ms()))
            .to_owned();
        let mut c = self.pools.read().await?;
        Ok(c.conn().opt::<(i64,)>(&q).await?.map(|r| r.0))
    }

    /// Uses a reset link once: sets the new password hash and ends every
    /// session, in one transaction. Returns the person, or `None` if the link
    /// was used, expired or unknown.
    pub async fn use_password_reset(&self, token_hash: &str, password_hash: &str) -> Result<Option<i64>> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let claim = Query::update()
            .table("password_resets")
            .value("used_at", now)
            .and_where(Expr::col("token_hash").eq(token_hash))
            .and_where(Expr::col("used_at").is_null())
            .and_where(Expr::col("expires_at").gt(now))
            .returning_col("user_id")
            .to_owned();
        let Some((user_id,)) = tx.conn().opt::<(i64,)>(&claim).await? else { return Ok(None) };
        let up = Query::update()
            .table("users")
            .value("password_hash", password_hash)
            .value("updated_at", now)
            .and_where(Expr::col("id").eq(user_id))
            .to_owned();
        tx.conn().exec(&up).await?;
        let del = Query::delete().from_table("sessions").and_where(Expr::col("user_id").eq(user_id)).to_owned();
        tx.conn().exec(&del).await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    /// GDPR erasure: the profile is wiped (the row stays so messages keep an
    /// author), sign-in becomes impossible, sessions, memberships, 2FA and
    /// reset links go; with `remove_messages` every message they wrote becomes
    /// a tombstone and leaves the search index. Returns the rooms they were in.
    pub async fn anonymise_user(&self, user_id: i64, remove_messages: bool, label: &str) -> Result<Vec<(i64, i64)>> {
        let now = now_ms();
        let mut tx = self.tx().await?;
        let rooms: Vec<(i64,)> = tx
            .conn()
            .all(
                &Query::select()
                    .column("room_id")
                    .from("room_members")
                    .and_where(Expr::col("user_id").eq(user_id))
                    .to_owned(),
            )
            .await?;
        let up = Query::update()
            .table("users")
            .value("username", format!("deleted-{user_id}"))
            .value("display_name", label)
            .value("email", Option::<String>::None)
            .value("password_hash", "!")
            .value("status", UserStatus::Deactivated.as_str())
            .value("totp_secret", Option::<String>::None)
            .value("totp_pending", Option::<String>::None)
            .value("extra_permissions", "")
            .value("updated_at", now)
            .and_where(Expr::col("id").eq(user_id))
            .to_owned();
        if tx.conn().exec(&up).await? == 0 {
            return Err(StoreError::NotFound);
        }
        // They leave every room the way anyone leaves: a `member.left` event each.
        let mut left = Vec::with_capacity(rooms.len());
        for &(room_id,) in &rooms {
            let seq = crate::rooms::append_event(
                &mut tx.conn(),
                room_id,
                steward_core::model::EventKind::MemberLeft,
                None,
                Some(user_id),
                "",
            )
            .await?;
            left.push((room_id, seq));
        }
        for table in [
            "sessions",
            "room_members",
            "recovery_codes",
            "password_resets",
            "reactions",
            "message_mentions",
            "user_custom_roles",
        ] {
            let d = Query::delete().from_table(table).and_where(Expr::col("user_id").eq(user_id)).to_owned();
            tx.conn().exec(&d).await?;
        }
        if remove_messages {
            let ids: Vec<(i64,)> = tx
                .conn()
                .all(
                    &Query::select()
                        .column("id")
                        .from("messages")
                        .and_where(Expr::col("author_id").eq(user_id))
                        .and_where(Expr::col("deleted_at").is_null())
                        .to_owned(),
                )
                .await?;
            let wipe = Query::update()
                .table("messages")
                .value("body", "")
                .value("html", "")
                .value("pinned_at", Option::<i64>::None)
                .value("deleted_at", now)
                .value("deleted_by", user_id)
                .and_where(Expr::col("author_id").eq(user_id))
                .and_where(Expr::col("deleted_at").is_null())
                .to_owned();
            tx.conn().exec(&wipe).await?;
            // Erasure means the old texts go too, not only into the edit history.
            let hist = Query::delete()
                .from_table("message_edits")
                .and_where(
                    Expr::col("message_id").in_subquery(
                        Query::select()
                            .column("id")
                            .from("messages")
                            .and_where(Expr::col("author_id").eq(user_id))
                            .to_owned(),
                    ),
                )
                .to_owned();
            tx.conn().exec(&hist).await?;
            if tx.conn().backend() == crate::Backend::Sqlite {
                for (id,) in ids {
                    tx.conn()
                        .raw_exec(
                            "DELETE FROM messages_fts WHERE rowid = ?",
                            "",
                            vec![sea_query::Value::BigInt(Some(id))],
                        )
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(left)
    }

    pub async fn delete_expired_sessions(&self) -> Result<u64> {
        let q = Query::delete().from_table("sessions").and_where(Expr::col("expires_at").lt(now_ms())).to_owned();
        let mut tx = self.tx().await?;
        let n = tx.conn().exec(&q).await?;
        tx.commit().await?;
        Ok(n)
    }
}
