//! Attachments: uploaded into a room, stored on local disk under the data
//! folder, served only to people who may read the room.

use axum::body::Body;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use steward_core::model::Attachment;
use steward_store::NewAttachment;
use tokio::io::AsyncWriteExt;

use super::Path;
use crate::api::ErrorBody;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::state::AppState;

/// Types accepted, with the leading bytes each must start with (when the
/// format has a signature), so a script cannot pass as a picture.
const ALLOWED: &[(&str, &[&[u8]])] = &[
    ("image/png", &[b"\x89PNG\r\n\x1a\n"]),
    ("image/jpeg", &[b"\xff\xd8\xff"]),
    ("image/gif", &[b"GIF87a", b"GIF89a"]),
    ("image/webp", &[b"RIFF"]),
    ("application/pdf", &[b"%PDF-"]),
    ("application/zip", &[b"PK\x03\x04"]),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", &[b"PK\x03\x04"]),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &[b"PK\x03\x04"]),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", &[b"PK\x03\x04"]),
    ("text/plain", &[]),
    ("text/csv", &[]),
];

fn guess_type(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "txt" | "log" | "md" => "text/plain",
        "csv" => "text/csv",
        _ => return None,
    })
}

fn clean_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>')).take(120).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() { "file".to_string() } else { cleaned }
}

#[utoipa::path(post, path = "/rooms/{id}/attachments", tag = "files", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "One part named `file`"),
    responses((status = 201, body = Attachment), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(room_id): Path<i64>,
    multipart: Multipart,
) -> ApiResult<(StatusCode, axum::Json<Attachment>)> {
    store_upload(&state, &me.user, room_id, multipart).await
}

/// Checks and stores an uploaded file for a room (the API's and the widget's uploads).
pub async fn store_upload(
    state: &AppState,
    user: &steward_core::model::User,
    room_id: i64,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, axum::Json<Attachment>)> {
    let (_, access) = service::room_access(state, user, room_id).await?;
    if !access.can_upload() {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "cannot_upload"));
    }
    let max = state.config.max_upload_bytes;
    while let Some(mut field) = multipart.next_field().await.map_err(|_| ApiError::bad_request("file"))? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = clean_filename(field.file_name().unwrap_or("file"));
        let declared = field.content_type().map(|s| s.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        let content_type = declared
            .filter(|d| ALLOWED.iter().any(|(t, _)| t == d))
            .or_else(|| guess_type(&filename).map(str::to_string))
            .ok_or_else(|| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_type").with_field("file"))?;
        let signatures = ALLOWED.iter().find(|(t, _)| *t == content_type).map(|(_, s)| *s).unwrap_or(&[]);

        let key = format!("{}/{}", &crate::auth::new_token()[..2].to_ascii_lowercase(), crate::auth::new_token());
        let path = state.config.attachments_dir().join(&key);
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(anyhow::Error::from)?;
        }
        let tmp = path.with_extension("part");
        let mut file = tokio::fs::File::create(&tmp).await.map_err(anyhow::Error::from)?;
        let mut size = 0usize;
        let mut head: Vec<u8> = Vec::with_capacity(16);
        let result: ApiResult<()> = async {
            while let Some(chunk) = field.chunk().await.map_err(|_| ApiError::bad_request("file"))? {
                size += chunk.len();
                if size > max {
                    return Err(ApiError {
                        limit: Some(max as u64),
                        ..ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").with_field("file")
                    });
                }
                if head.len() < 16 {
                    head.extend(chunk.iter().take(16 - head.len()));
                }
                file.write_all(&chunk).await.map_err(anyhow::Error::from)?;
            }
            if size == 0 {
                return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "required").with_field("file"));
            }
            if !signatures.is_empty() && !signatures.iter().any(|s| head.starts_with(s)) {
                return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_type").with_field("file"));
            }
            if content_type.starts_with("text/") && head.contains(&0) {
                return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_type").with_field("file"));
            }
            file.sync_all().await.map_err(anyhow::Error::from)?;
            Ok(())
        }
        .await;
        drop(file);
        if let Err(e) = result {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        tokio::fs::rename(&tmp, &path).await.map_err(anyhow::Error::from)?;
        let att = state
            .store
            .create_attachment(&NewAttachment {
                uploader_id: user.id,
                room_id,
                filename,
                content_type: content_type.clone(),
                size: size as i64,
                storage_key: key,
            })
            .await?;
        return Ok((StatusCode::CREATED, axum::Json(att)));
    }
    Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "required").with_field("file"))
}

#[utoipa::path(get, path = "/attachments/{id}/{name}", tag = "files", params(("id" = i64, Path), ("name" = String, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, _name)): Path<(i64, String)>,
) -> ApiResult<Response> {
    let file = state.store.attachment(id).await?.ok_or_else(ApiError::not_found)?;
    service::room_access(&state, &me.user, file.room_id).await?;
    // Not yet sent, or its message deleted: only the uploader still sees it.
    if (file.message_id.is_none() || file.message_deleted) && file.uploader_id != me.id() {
        return Err(ApiError::not_found());
    }
    serve(&state, &file).await
}

/// Streams a stored attachment with safe headers (access already checked).
pub async fn serve(state: &AppState, file: &steward_store::AttachmentFile) -> ApiResult<Response> {
    let path = state.config.attachments_dir().join(&file.storage_key);
    if file.storage_key.contains("..") {
        return Err(ApiError::not_found());
    }
    let f = tokio::fs::File::open(&path).await.map_err(|_| ApiError::not_found())?;
    let body = Body::from_stream(tokio_util_stream(f));
    let a = &file.attachment;
    let disposition = if a.is_image { "inline" } else { "attachment" };
    let encoded: String = a
        .filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(a.size as u64));
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition}; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    Ok(resp)
}

/// Streams a file in 64 KiB chunks without loading it whole.
fn tokio_util_stream(f: tokio::fs::File) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(Some(f), |state| async move {
        let mut f = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), Some(f)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// Removes stored files by key (after their records are gone); returns how
/// many were removed. A missing file is logged, not an error.
pub(crate) async fn remove_files(state: &AppState, keys: &[String]) -> u64 {
    let dir = state.config.attachments_dir();
    let mut removed = 0;
    for key in keys.iter().filter(|k| !k.contains("..") && !k.starts_with('/')) {
        match tokio::fs::remove_file(dir.join(key)).await {
            Ok(()) => removed += 1,
            Err(e) => tracing::warn!(error = %e, key, "attachment file not removed"),
        }
    }
    removed
}
