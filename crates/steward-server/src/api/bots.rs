//! Bot accounts for admins (`users.manage`): the list with what each bot is
//! wired to, and each bot's API tokens (issue another, revoke). Creating a
//! bot is `POST /admin/bots` in `api/admin.rs`; its webhooks are
//! `api/webhooks.rs`. Only bot accounts are reachable here: a person's
//! tokens stay theirs (`/me/tokens`).

use axum::Json as J;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;
use steward_core::model::{ApiToken, User};
use steward_core::{FieldError, Permission, Rule};
use utoipa::ToSchema;

use super::{Json, Path, require};
use crate::api::ErrorBody;
use crate::api::users::{CreateToken, CreatedToken, TokensResponse, issue_token};
use crate::audit::{self, Event, Origin};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::UserView;

/// An inbox, by id and name.
#[derive(Serialize, ToSchema)]
pub struct InboxRef {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct BotView {
    pub user: UserView,
    /// Its API tokens, newest first (revoked ones too, marked).
    pub tokens: Vec<ApiToken>,
    /// Inboxes whose new conversations go to this bot first (`settings.agent_bot`).
    pub agent_bot_of: Vec<InboxRef>,
    /// How many webhooks it has.
    pub webhooks: usize,
}

#[derive(Serialize, ToSchema)]
pub struct BotsResponse {
    /// Every bot account, by username.
    pub bots: Vec<BotView>,
}

#[utoipa::path(get, path = "/admin/bots", tag = "admin",
    responses((status = 200, body = BotsResponse), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, me: CurrentUser) -> ApiResult<J<BotsResponse>> {
    require(&me, Permission::UserManage)?;
    let inboxes = state.store.inboxes().await?;
    let agent_bots: Vec<(Option<i64>, InboxRef)> = inboxes
        .iter()
        .map(|i| (crate::support::settings_of(i).settings.agent_bot, InboxRef { id: i.id, name: i.name.clone() }))
        .collect();
    let hooks = state.store.webhooks(None).await?;
    let mut bots = vec![];
    for u in state.store.bots().await? {
        let agent_bot_of = agent_bots
            .iter()
            .filter(|(bot, _)| *bot == Some(u.id))
            .map(|(_, i)| InboxRef { id: i.id, name: i.name.clone() })
            .collect();
        bots.push(BotView {
            tokens: state.store.api_tokens_of(u.id).await?,
            agent_bot_of,
            webhooks: hooks.iter().filter(|h| h.owner_id == u.id).count(),
            user: UserView::new(&state, &u, &me.user),
        });
    }
    Ok(J(BotsResponse { bots }))
}

/// The bot account, for an admin; anything else is not found (a person's
/// tokens are not reachable from here).
async fn bot(state: &AppState, me: &CurrentUser, id: i64) -> ApiResult<User> {
    require(me, Permission::UserManage)?;
    if !state.store.is_bot(id).await? {
        return Err(ApiError::not_found());
    }
    state.store.user(id).await?.ok_or_else(ApiError::not_found)
}

#[utoipa::path(get, path = "/admin/bots/{id}/tokens", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = TokensResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn tokens(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<J<TokensResponse>> {
    bot(&state, &me, id).await?;
    Ok(J(TokensResponse { tokens: state.store.api_tokens_of(id).await? }))
}

#[utoipa::path(post, path = "/admin/bots/{id}/tokens", tag = "admin", params(("id" = i64, Path)), request_body = CreateToken,
    responses((status = 201, body = CreatedToken, description = "The token; `secret` is shown only now"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<CreateToken>,
) -> ApiResult<(StatusCode, J<CreatedToken>)> {
    let bot = bot(&state, &me, id).await?;
    // As when the bot was made: bots act, they do not administer.
    if req.scopes.iter().any(|s| s.trim().eq_ignore_ascii_case("admin")) {
        return Err(ApiError::from(FieldError::new("scopes", Rule::InvalidChoice))
            .with_detail(json!("a bot's tokens are read and/or write")));
    }
    let created = issue_token(&state, bot.id, &req).await?;
    let event = Event {
        after: json!({ "bot_id": bot.id, "name": created.token.name, "scopes": created.token.scopes }),
        ..Event::new(Some(me.id()), "bot.token_created", "token", Some(created.token.id))
    };
    audit::record(&state, &origin, event).await;
    Ok((StatusCode::CREATED, J(created)))
}

#[utoipa::path(delete, path = "/admin/bots/{id}/tokens/{token_id}", tag = "admin",
    params(("id" = i64, Path), ("token_id" = i64, Path)),
    responses((status = 204, description = "Revoked: it stops working at once"), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    origin: Origin,
    me: CurrentUser,
    Path((id, token_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let bot = bot(&state, &me, id).await?;
    state.store.revoke_api_token(bot.id, token_id).await?;
    let event = Event {
        after: json!({ "bot_id": bot.id }),
        ..Event::new(Some(me.id()), "bot.token_revoked", "token", Some(token_id))
    };
    audit::record(&state, &origin, event).await;
    Ok(StatusCode::NO_CONTENT)
}
