//! Full-text search over the messages the caller may read.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use steward_core::model::Message;
use steward_core::search::query_terms;
use steward_store::SearchQuery;
use utoipa::ToSchema;

use super::Query;
use crate::api::ErrorBody;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::RoomView;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// Words to find; Russian and English word forms match (бан → баны, банить).
    pub q: String,
    pub room_id: Option<i64>,
    pub author_id: Option<i64>,
    /// Next page: results older than this message id.
    pub before_id: Option<i64>,
    /// 1–100, default 20.
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    pub message: Message,
    pub room: RoomView,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResponse {
    /// Newest first.
    pub results: Vec<SearchHit>,
}

/// Runs a search for the caller; shared by the API and the search page.
pub async fn run(state: &AppState, me: &steward_core::model::User, p: &SearchParams) -> ApiResult<Vec<SearchHit>> {
    if p.q.chars().count() > 200 {
        return Err(steward_core::FieldError::with_limit("q", steward_core::Rule::TooLong, 200).into());
    }
    if let Some(room_id) = p.room_id {
        crate::service::room_access(state, me, room_id).await?;
    }
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::new(axum::http::StatusCode::BAD_REQUEST, "out_of_range").with_field("limit"));
    }
    let q = SearchQuery {
        user_id: me.id,
        terms: query_terms(&p.q),
        text: p.q.clone(),
        room_id: p.room_id,
        author_id: p.author_id,
        before_id: p.before_id,
        limit,
    };
    let include_public = me.permissions().has(steward_core::Permission::RoomJoinPublic);
    let started = std::time::Instant::now();
    let messages = state.store.search(&q, include_public).await?;
    metrics::histogram!("steward_search_seconds").record(started.elapsed().as_secs_f64());
    let mut room_ids: Vec<i64> = messages.iter().map(|m| m.room_id).collect();
    room_ids.sort_unstable();
    room_ids.dedup();
    let mut rooms = Vec::new();
    for id in room_ids {
        if let Some(r) = state.store.room(id).await? {
            rooms.push(crate::views::room_view(state, me, &r).await?);
        }
    }
    Ok(messages
        .into_iter()
        .filter_map(|m| rooms.iter().find(|r| r.id == m.room_id).cloned().map(|room| SearchHit { message: m, room }))
        .collect())
}

#[utoipa::path(get, path = "/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResponse), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<SearchParams>,
) -> ApiResult<axum::Json<SearchResponse>> {
    Ok(axum::Json(SearchResponse { results: run(&state, &me.user, &p).await? }))
}
