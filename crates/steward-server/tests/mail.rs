//! E-mail invites through a real SMTP server: Debian's `python3-aiosmtpd`
//! (installed by `.ci/run`) receives them into a maildir, and the test signs
//! up with the link from the message.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Db, TestApp};
use serde_json::json;
use steward_core::SystemRole;

struct SmtpServer {
    child: Child,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn smtp_server() -> SmtpServer {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("/usr/bin/python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3-aiosmtpd (apt install python3-aiosmtpd)");
    // Owned at once, so it is killed and reaped on every path.
    let mut server = SmtpServer { child, port, maildir, _dir: dir };
    // Python starts slowly on a busy machine: up to 30 s.
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return server;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("the SMTP server exited ({status}): is python3-aiosmtpd installed? (.ci/run installs it)");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the SMTP server did not start");
}

/// The messages delivered so far, as text.
fn delivered(maildir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else { return vec![] };
    entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()
}

async fn wait_for_mail(maildir: &Path, n: usize) -> Vec<String> {
    for _ in 0..100 {
        let got = delivered(maildir);
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {n} messages, got {}", delivered(maildir).len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_by_email_reach_the_inbox_and_bind_the_address() {
    for db in [Db::Sqlite, Db::Postgres] {
        let smtp = smtp_server().await;
        let port = smtp.port;
        let Some(app) = TestApp::start_with(db, |c| {
            c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
            c.smtp_from = Some("Steward <steward@example.com>".into());
        })
        .await
        else {
            continue;
        };
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        app.patch(&admin, "/api/v1/me", json!({ "locale": "en" })).await;
        let room = app.room(&admin, "welcome", "group", &[]).await;
        let body = json!({ "emails": ["new.person@example.com", "not-an-address"], "label": "mail", "rooms": [room] });
        let (s, v) = app.post(&admin, "/api/v1/admin/invites/email", body).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["results"][0]["sent"], true, "{v}");
        assert_eq!(
            (v["results"][1]["sent"].as_bool(), v["results"][1]["error"].as_str()),
            (Some(false), Some("invalid_format"))
        );
        let mail = wait_for_mail(&smtp.maildir, 1).await.remove(0);
        assert!(mail.contains("To: new.person@example.com"), "{mail}");
        assert!(mail.contains("From: Steward <steward@example.com>"));
        assert!(mail.contains("invites you"), "in the inviter's language: {mail}");
        let token =
            mail.split("/invite/").nth(1).and_then(|s| s.split_whitespace().next()).expect("a link").to_string();

        // The page fills the address in; signing up keeps it whatever the form says.
        let page = app.http.get(app.url(&format!("/invite/{token}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("value=\"new.person@example.com\"") && page.contains("readonly"));
        let form = [
            ("username", "newperson"),
            ("display_name", "New"),
            ("email", "other@example.com"),
            ("password", "violet-harbour-42"),
        ];
        let r = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(app.url(&format!("/invite/{token}")))
            .header("origin", app.server.url())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (s, login) = app
            .post_anon(
                "/api/v1/auth/login",
                json!({ "username": "new.person@example.com", "password": "violet-harbour-42" }),
            )
            .await;
        assert_eq!(s, 200, "signs in with the invited address");
        let (_, rooms) = app.get(login["token"].as_str().unwrap(), "/api/v1/rooms").await;
        assert!(rooms["rooms"].as_array().unwrap().iter().any(|r| r["id"] == room));
        let (_, invites) = app.get(&admin, "/api/v1/admin/invites").await;
        assert_eq!(invites["invites"][0]["email"], "new.person@example.com");
        assert_eq!(invites["invites"][0]["uses"], 1);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_email_invites_say_so_and_a_dead_server_revokes_the_link() {
    let app = TestApp::start(Db::Sqlite).await.unwrap();
    let (_, admin) = app.user("admin", SystemRole::Admin).await;
    let (s, v) = app.post(&admin, "/api/v1/admin/invites/email", json!({ "emails": ["a@example.com"] })).await;
    assert_eq!(
        (s, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (409, Some("smtp_not_configured"), Some("emails"))
    );
    app.stop().await;

    // Nothing listens on this port: the send fails and the invite is withdrawn.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = TestApp::start_with(Db::Sqlite, |c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await.unwrap();
    let (_, admin) = app.user("admin", SystemRole::Admin).await;
    let (s, v) = app.post(&admin, "/api/v1/admin/invites/email", json!({ "emails": ["a@example.com"] })).await;
    assert_eq!(s, 200);
    assert_eq!(
        (v["results"][0]["sent"].as_bool(), v["results"][0]["error"].as_str()),
        (Some(false), Some("send_failed"))
    );
    let (_, invites) = app.get(&admin, "/api/v1/admin/invites").await;
    assert_eq!(invites["invites"][0]["revoked"], true);
    app.stop().await;
}

/// A resolved support conversation's transcript reaches the contact's
/// address (from the offline form), with no internal notes in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_transcripts_are_mailed_on_resolve() {
    for db in [Db::Sqlite, Db::Postgres] {
        let smtp = smtp_server().await;
        let port = smtp.port;
        let Some(app) = TestApp::start_with(db, |c| {
            c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
            c.smtp_from = Some("Steward <steward@example.com>".into());
        })
        .await
        else {
            continue;
        };
        let (_, admin) = app.user("admin", SystemRole::Admin).await;
        let (s, v) = app.post(&admin, "/api/v1/support/inboxes", json!({ "name": "Shop" })).await;
        assert_eq!(s, 201, "{v}");
        let key = v["inbox"]["public_key"].as_str().unwrap().to_string();
        let r = app
            .http
            .post(app.url(&format!("/widget/v1/inboxes/{key}/offline")))
            .json(&json!({ "name": "Анна", "email": "anna@example.com", "body": "Перезвоните мне" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        let conv = r.json::<serde_json::Value>().await.unwrap()["conversation_id"].as_i64().unwrap();
        let path = format!("/api/v1/support/conversations/{conv}/messages");
        app.post(&admin, &path, json!({ "body": "internal: VIP", "internal": true })).await;
        app.post(&admin, &format!("/api/v1/support/conversations/{conv}/join"), json!({})).await;
        let (s, v) = app.post(&admin, &path, json!({ "body": "Перезвоним сегодня" })).await;
        assert_eq!(s, 201, "{v}");
        let (s, _) = app
            .post(&admin, &format!("/api/v1/support/conversations/{conv}/status"), json!({ "status": "resolved" }))
            .await;
        assert_eq!(s, 200);
        let mail = wait_for_mail(&smtp.maildir, 1).await.remove(0);
        assert!(mail.contains("To: anna@example.com"), "{mail}");
        let text = decoded(&mail);
        assert!(text.contains("Перезвоните мне") && text.contains("Перезвоним сегодня"), "{text}");
        assert!(!text.contains("VIP"), "no notes in a transcript");
        app.stop().await;
    }
}

/// The body of a delivered message, quoted-printable or base64 undone.
fn decoded(mail: &str) -> String {
    use base64::Engine;
    let body = mail.split("\n\n").skip(1).collect::<Vec<_>>().join("\n\n");
    if mail.contains("Content-Transfer-Encoding: base64") {
        let b64: String = body.lines().filter(|l| !l.is_empty() && !l.starts_with("--")).collect();
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) {
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    let joined = body.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let b = joined.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
