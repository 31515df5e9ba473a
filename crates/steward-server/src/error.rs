//! The one error type of the HTTP API and gateway: a stable snake_case code
//! clients rely on, an HTTP status, the field at fault, and a private cause
//! for the log. The message is rendered in the caller's language by the
//! `localize_errors` middleware, which knows the request.

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use steward_core::FieldError;
use steward_store::StoreError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub field: Option<Cow<'static, str>>,
    /// A bound that belongs in the message (a length, seconds to wait).
    pub limit: Option<u64>,
    /// Seconds for `Retry-After`.
    pub retry_after: Option<u64>,
    /// Facts for the client beside the message (a sanction's reason and end).
    pub detail: Option<Box<serde_json::Value>>,
}

impl ApiError {
    pub const fn new(status: StatusCode, code: &'static str) -> Self {
        ApiError { status, code, field: None, limit: None, retry_after: None, detail: None }
    }
    pub fn with_field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.field = Some(field.into());
        self
    }
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(Box::new(detail));
        self
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found")
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden")
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized")
    }
    pub fn bad_request(field: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request").with_field(field)
    }
    pub fn conflict(field: &'static str) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict").with_field(field)
    }
    pub fn too_many(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after.max(1)),
            limit: Some(retry_after.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests")
        }
    }
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: e.rule.code(),
            field: Some(Cow::Borrowed(e.field)),
            limit: (e.limit > 0).then_some(e.limit as u64),
            retry_after: None,
            detail: None,
        }
    }
}

impl From<steward_support::Invalid> for ApiError {
    fn from(e: steward_support::Invalid) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: e.rule.code(),
            field: Some(e.field),
            limit: (e.limit > 0).then_some(e.limit as u64),
            retry_after: None,
            detail: e.detail.map(|d| Box::new(serde_json::json!({ "problem": d }))),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(field) => ApiError::conflict(field),
            StoreError::Invalid(field) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_reference").with_field(field)
            }
            StoreError::Limit(field) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "limit_reached").with_field(field)
            }
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::internal()
            }
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %e, "internal error");
        ApiError::internal()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)?;
        if let Some(field) = &self.field {
            write!(f, " ({field})")?;
        }
        Ok(())
    }
}

impl IntoResponse for ApiError {
    /// The body is filled in by `localize_errors`; until then it carries the
    /// English text so a response that bypasses the middleware is still whole.
    fn into_response(self) -> Response {
        let body = crate::i18n::error_body(&self, steward_core::validate::Locale::En);
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        resp.extensions_mut().insert(self);
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
