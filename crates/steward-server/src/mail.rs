//! Outgoing e-mail over SMTP (TLS, STARTTLS or plain to a local relay),
//! configured by `STEWARD_SMTP_URL` and `STEWARD_SMTP_FROM`. Without them
//! Steward sends no mail and features that need it say so.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `None` when no SMTP URL is configured; an error when it is wrong.
    pub fn from_config(c: &Config) -> anyhow::Result<Option<Mailer>> {
        let Some(url) = c.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("smtp_url: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = c.smtp_from.as_deref().unwrap_or("Steward <steward@localhost>");
        let from: Mailbox = from.parse().map_err(|e| anyhow::anyhow!("smtp_from {from:?}: {e}"))?;
        Ok(Some(Mailer { transport, from }))
    }

    /// Sends one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, text: String) -> anyhow::Result<()> {
        let to: Mailbox = to.parse()?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text)?;
        self.transport.send(message).await?;
        metrics::counter!("steward_mail_sent_total").increment(1);
        Ok(())
    }
}
