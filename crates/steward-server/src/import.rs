//! Bulk import of people from CSV, with a dry run that checks every line
//! (names, e-mail, role, password, rooms, duplicates in the file and in the
//! database) without writing anything.
//!
//! Columns (header row, any order): `username` (required), `display_name`,
//! `email`, `role`, `password`, `locale`, `rooms` (room names separated by
//! `;`). A line without a password gets an account nobody can sign in to
//! until its one-time reset link (in the report, shown once) sets one.

use std::collections::HashSet;

use serde::Serialize;
use steward_core::validate::Locale;
use steward_core::{FieldError, Rule, SystemRole};
use utoipa::ToSchema;

use crate::accounts::{self, NewAccount};
use crate::auth::{self, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const MAX_LINES: usize = 5_000;
const COLUMNS: [&str; 7] = ["username", "display_name", "email", "role", "password", "locale", "rooms"];

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Lines that are (or, in a dry run, would be) created.
    pub ok: usize,
    pub errors: usize,
    pub lines: Vec<ImportLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportLine {
    /// Line number in the file (the header is line 1).
    pub line: usize,
    pub username: String,
    /// `valid` (dry run), `created` or `error`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<LineError>,
    /// For a created account without a password: its one-time link to set one (24 hours).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineError {
    pub field: Option<String>,
    pub code: &'static str,
    pub message: String,
}

/// RFC 4180 CSV: quoted fields with doubled quotes, CRLF or LF, a BOM allowed.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, usize> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                line += 1;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(line);
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

fn line_error(err: &ApiError, locale: Locale) -> LineError {
    LineError {
        field: err.field.clone().map(|f| f.to_string()),
        code: err.code,
        message: crate::i18n::error_body(err, locale)["error"]["message"].as_str().unwrap_or(err.code).to_string(),
    }
}

/// Checks (and unless `dry_run`, creates) every line. A header problem or
/// a file too large refuses the whole file; a bad line is reported and skipped.
pub async fn run(state: &AppState, me: &CurrentUser, host: &str, csv: &str, dry_run: bool) -> ApiResult<ImportReport> {
    let rows = parse_csv(csv).map_err(|_| ApiError::from(FieldError::new("csv", Rule::InvalidFormat)))?;
    let mut rows = rows.into_iter().filter(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    let header: Vec<String> =
        rows.next().ok_or(FieldError::new("csv", Rule::Required))?.iter().map(|h| h.trim().to_lowercase()).collect();
    if !header.iter().any(|h| h == "username") || header.iter().any(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(FieldError::new("columns", Rule::InvalidChoice).into());
    }
    let rows: Vec<Vec<String>> = rows.collect();
    if rows.len() > MAX_LINES {
        return Err(FieldError::with_limit("csv", Rule::TooLong, MAX_LINES).into());
    }
    let col = |row: &[String], name: &str| -> String {
        header.iter().position(|h| h == name).and_then(|i| row.get(i)).map(|v| v.trim().to_string()).unwrap_or_default()
    };
    let rooms = state.store.all_rooms("", 1000).await?;
    let base = state.config.public_url.clone().unwrap_or_else(|| format!("http://{host}"));
    let locale = me.locale();
    let (mut seen_names, mut seen_emails) = (HashSet::new(), HashSet::new());
    let mut report = ImportReport { dry_run, ok: 0, errors: 0, lines: Vec::with_capacity(rows.len()) };
    for (i, row) in rows.iter().enumerate() {
        let username = col(row, "username");
        let mut line = ImportLine {
            line: i + 2,
            username: username.clone(),
            status: "valid",
            user_id: None,
            error: None,
            reset_url: None,
        };
        match one(state, me, &col, row, &rooms, &mut seen_names, &mut seen_emails, dry_run).await {
            Ok(None) => report.ok += 1,
            Ok(Some((user_id, reset))) => {
                report.ok += 1;
                line.status = "created";
                line.user_id = Some(user_id);
                line.reset_url = reset.map(|t| format!("{base}/reset/{t}"));
            }
            Err(e) => {
                report.errors += 1;
                line.status = "error";
                line.error = Some(line_error(&e, locale));
            }
        }
        report.lines.push(line);
    }
    Ok(report)
}

/// One line: `Ok(None)` when valid in a dry run, `Ok(Some((id, reset token)))` once created.
#[allow(clippy::too_many_arguments)]
async fn one(
    state: &AppState,
    me: &CurrentUser,
    col: &impl Fn(&[String], &str) -> String,
    row: &[String],
    rooms: &[steward_core::model::Room],
    seen_names: &mut HashSet<String>,
    seen_emails: &mut HashSet<String>,
    dry_run: bool,
) -> ApiResult<Option<(i64, Option<String>)>> {
    let (username, display, email, password) =
        (col(row, "username"), col(row, "display_name"), col(row, "email"), col(row, "password"));
    let role_raw = col(row, "role");
    let role = if role_raw.is_empty() { SystemRole::Member } else { SystemRole::parse(&role_raw)? };
    if role == SystemRole::Owner && me.user.role != SystemRole::Owner {
        return Err(ApiError::forbidden().with_field("role"));
    }
    let locale = match col(row, "locale").as_str() {
        "" => me.locale(),
        l => Locale::parse(l)?,
    };
    let account = NewAccount {
        username: &username,
        display_name: Some(display.as_str()),
        email: Some(email.as_str()),
        password: &password,
        locale,
        role,
    };
    let checked = accounts::check(&account)?;
    if !password.is_empty() {
        steward_core::validate::Password::parse(&password)?;
    }
    let mut room_ids = Vec::new();
    for name in col(row, "rooms").split([';', '|']).map(|n| n.trim().trim_start_matches('#')).filter(|n| !n.is_empty())
    {
        let room = rooms.iter().find(|r| r.name == name && !r.archived).ok_or_else(|| {
            ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_reference").with_field("rooms")
        })?;
        room_ids.push(room.id);
    }
    // Taken in this file or already in the database.
    let name_key = checked.username.as_str().to_string();
    if !seen_names.insert(name_key.clone()) || state.store.user_by_username(&name_key).await?.is_some() {
        return Err(ApiError::conflict("username"));
    }
    if let Some(e) = &checked.email {
        let key = e.as_str().to_lowercase();
        if !seen_emails.insert(key.clone()) || state.store.user_for_login(&key).await?.is_some() {
            return Err(ApiError::conflict("email"));
        }
    }
    if dry_run {
        return Ok(None);
    }
    let (user, reset) = if password.is_empty() {
        let user = accounts::create_passwordless(&state.store, account).await?;
        let token = auth::new_token();
        state.store.create_password_reset(user.id, &auth::token_hash(&token), me.id(), 24 * 3_600_000).await?;
        (user, Some(token))
    } else {
        (accounts::create(&state.store, account).await?, None)
    };
    for room_id in room_ids {
        crate::service::add_people(state, room_id, std::slice::from_ref(&user)).await?;
    }
    Ok(Some((user.id, reset)))
}

#[cfg(test)]
mod tests {
    use super::parse_csv;

    #[test]
    fn csv_quotes_newlines_and_bom() {
        let rows = parse_csv("\u{feff}username,display_name\r\nanna,\"Анна \"\"А\"\", HR\"\nboris,\"two\nlines\"\n\n")
            .unwrap();
        assert_eq!(rows[0], ["username", "display_name"]);
        assert_eq!(rows[1], ["anna", "Анна \"А\", HR"]);
        assert_eq!(rows[2], ["boris", "two\nlines"]);
        assert_eq!(rows.len(), 4, "a blank line is a row of one empty field, skipped by the importer");
        assert_eq!(parse_csv("a,\"open").unwrap_err(), 1);
        assert_eq!(parse_csv("x").unwrap(), [["x"]]);
    }
}
