//! Where emails go: an SMTP server (`SMTP_URL`), or, when none is configured,
//! `.eml` files in `MAIL_DIR` so a newcomer can read what would have been sent.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::models::outbox::OutboxEmail;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Transport {
    pub fn new(smtp_url: Option<&str>, mail_dir: &std::path::Path) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => Ok(Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            )),
            None => {
                std::fs::create_dir_all(mail_dir)?;
                tracing::info!(dir = %mail_dir.display(), "SMTP_URL unset: emails are written as .eml files");
                Ok(Transport::Files(
                    AsyncFileTransport::new(mail_dir),
                    mail_dir.to_path_buf(),
                ))
            }
        }
    }

    /// Sends one message. The error says whether trying again could help:
    /// a permanent SMTP refusal (5xx, e.g. an unknown mailbox) cannot.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| SendError {
                retryable: !e.is_permanent(),
                message: e.to_string(),
            }),
            Transport::Files(files, dir) => {
                let id = files.send(message).await.map_err(|e| SendError {
                    retryable: true,
                    message: e.to_string(),
                })?;
                tracing::info!(file = %dir.join(format!("{id}.eml")).display(), "email written");
                Ok(())
            }
        }
    }
}

pub struct SendError {
    pub retryable: bool,
    pub message: String,
}

/// The MIME message for a queued email: plain text with an HTML alternative.
///
/// Its `Message-ID` is made from the outbox row (its id and when it was
/// queued) on the sender's domain, so a retry of the same email carries the
/// same id, and it is marked `Auto-Submitted: auto-generated` (RFC 3834):
/// every email Baygrants sends is written by the system, and auto-responders
/// should not answer it.
pub fn build_message(email: &OutboxEmail, from: &Mailbox) -> Result<Message, String> {
    let to: Mailbox = email
        .recipient
        .parse()
        .map_err(|e| format!("bad recipient: {e}"))?;
    let message_id = format!(
        "<baygrants.{}.{}@{}>",
        email.id,
        email.created_at.timestamp_micros(),
        from.email.domain()
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .message_id(Some(message_id))
        .header(AutoSubmitted)
        .subject(email.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            email.body_text.clone(),
            email.body_html.clone(),
        ))
        .map_err(|e| e.to_string())
}

/// `Auto-Submitted: auto-generated` (RFC 3834).
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}
