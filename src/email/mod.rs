//! Emails: typed messages rendered in the recipient's language and written
//! to the outbox inside the caller's transaction (DESIGN §7). Delivery is the
//! worker's job; nothing here talks to SMTP.

pub mod transport;
pub mod worker;

use askama::Template;
use chrono::{DateTime, Utc};

use crate::i18n::Lang;
use crate::models::{Conn, outbox};

/// Every email the platform sends. Text comes from the catalogues
/// (`email-<kind>-subject`, paragraphs `-p1`, `-p2`, …, `-action`); links are absolute.
#[derive(Debug, Clone)]
pub enum Email {
    VerifyEmail {
        name: String,
        link: String,
    },
    PasswordReset {
        name: String,
        link: String,
    },
    MemberInvitation {
        organization: String,
        inviter: String,
        link: String,
    },
    OrganizationVerified {
        organization: String,
        note: String,
        link: String,
    },
    OrganizationReturned {
        organization: String,
        reason: String,
        link: String,
    },
    PartnerInvitation {
        lead: String,
        title: String,
        link: String,
    },
    PartnerAccepted {
        partner: String,
        title: String,
        link: String,
    },
    PartnerDeclined {
        partner: String,
        title: String,
        link: String,
    },
    SubmissionReceipt {
        title: String,
        call: String,
        link: String,
    },
    DraftReminder {
        title: String,
        closes: String,
        link: String,
    },
    PanelInvitation {
        call: String,
        link: String,
    },
    ReviewAssigned {
        title: String,
        call: String,
        link: String,
    },
    /// To someone without an account: register with this address to join.
    PanelInvitationNew {
        call: String,
        link: String,
    },
    ReviewReminder {
        title: String,
        due: String,
        link: String,
    },
    /// A published decision; `outcome` is award, decline or waitlist, and
    /// `extra` holds the conditions, rationale and reviewers' comments.
    Decision {
        title: String,
        call: String,
        outcome: String,
        amount: String,
        extra: Vec<String>,
        link: String,
    },
    /// Something happened to an award: `event` is lapsed, report_approved,
    /// report_returned, payment_awaiting, payment_sent or closed; `detail`
    /// is a comment or payment reference written by a person.
    AwardUpdate {
        title: String,
        event: String,
        amount: String,
        detail: String,
        link: String,
    },
    /// A security notice about the account's second factor: `event` is
    /// enrolled, recovery-used, codes-renewed or reset.
    SecondFactor {
        event: String,
        link: String,
    },
}

impl Email {
    pub fn kind(&self) -> &'static str {
        match self {
            Email::VerifyEmail { .. } => "verify-email",
            Email::PasswordReset { .. } => "password-reset",
            Email::MemberInvitation { .. } => "member-invitation",
            Email::OrganizationVerified { .. } => "organization-verified",
            Email::OrganizationReturned { .. } => "organization-returned",
            Email::PartnerInvitation { .. } => "partner-invitation",
            Email::PartnerAccepted { .. } => "partner-accepted",
            Email::PartnerDeclined { .. } => "partner-declined",
            Email::SubmissionReceipt { .. } => "submission-receipt",
            Email::DraftReminder { .. } => "draft-reminder",
            Email::PanelInvitation { .. } => "panel-invitation",
            Email::ReviewAssigned { .. } => "review-assigned",
            Email::PanelInvitationNew { .. } => "panel-invitation-new",
            Email::ReviewReminder { .. } => "review-reminder",
            Email::Decision { .. } => "decision",
            Email::AwardUpdate { .. } => "award-update",
            Email::SecondFactor { .. } => "second-factor",
        }
    }

    fn args(&self) -> Vec<(&'static str, String)> {
        let pairs: &[(&'static str, &String)] = match self {
            Email::VerifyEmail { name, .. } | Email::PasswordReset { name, .. } => {
                &[("name", name)]
            }
            Email::MemberInvitation {
                organization,
                inviter,
                ..
            } => &[("organization", organization), ("inviter", inviter)],
            Email::OrganizationVerified {
                organization, note, ..
            } => &[("organization", organization), ("note", note)],
            Email::OrganizationReturned {
                organization,
                reason,
                ..
            } => &[("organization", organization), ("reason", reason)],
            Email::PartnerInvitation { lead, title, .. } => &[("lead", lead), ("title", title)],
            Email::PartnerAccepted { partner, title, .. }
            | Email::PartnerDeclined { partner, title, .. } => {
                &[("partner", partner), ("title", title)]
            }
            Email::SubmissionReceipt { title, call, .. } => &[("title", title), ("call", call)],
            Email::DraftReminder { title, closes, .. } => &[("title", title), ("closes", closes)],
            Email::PanelInvitation { call, .. } => &[("call", call)],
            Email::ReviewAssigned { title, call, .. } => &[("title", title), ("call", call)],
            Email::PanelInvitationNew { call, .. } => &[("call", call)],
            Email::AwardUpdate {
                title,
                event,
                amount,
                ..
            } => &[("title", title), ("event", event), ("amount", amount)],
            Email::ReviewReminder { title, due, .. } => &[("title", title), ("due", due)],
            Email::SecondFactor { event, .. } => &[("event", event)],
            Email::Decision {
                title,
                call,
                outcome,
                amount,
                ..
            } => &[
                ("title", title),
                ("call", call),
                ("outcome", outcome),
                ("amount", amount),
            ],
        };
        pairs.iter().map(|(k, v)| (*k, (*v).clone())).collect()
    }

    fn action(&self) -> Option<&str> {
        match self {
            Email::VerifyEmail { link, .. }
            | Email::PasswordReset { link, .. }
            | Email::MemberInvitation { link, .. }
            | Email::OrganizationVerified { link, .. }
            | Email::OrganizationReturned { link, .. }
            | Email::PartnerInvitation { link, .. }
            | Email::PartnerAccepted { link, .. }
            | Email::PartnerDeclined { link, .. }
            | Email::SubmissionReceipt { link, .. }
            | Email::DraftReminder { link, .. }
            | Email::PanelInvitation { link, .. }
            | Email::ReviewAssigned { link, .. }
            | Email::PanelInvitationNew { link, .. }
            | Email::ReviewReminder { link, .. }
            | Email::Decision { link, .. }
            | Email::AwardUpdate { link, .. }
            | Email::SecondFactor { link, .. } => Some(link),
        }
    }

    /// Paragraphs written by people (not from the catalogue), after the others.
    fn extra(&self) -> &[String] {
        match self {
            Email::Decision { extra, .. } => extra,
            Email::AwardUpdate { detail, .. } if !detail.is_empty() => std::slice::from_ref(detail),
            _ => &[],
        }
    }

    pub fn render(&self, lang: Lang) -> Result<RenderedEmail, askama::Error> {
        let kind = self.kind();
        let args = self.args();
        let subject = lang.t_with(&format!("email-{kind}-subject"), &args);
        let paragraphs: Vec<String> = (1..=9)
            .map(|n| format!("email-{kind}-p{n}"))
            .take_while(|key| lang.has(key))
            .map(|key| lang.t_with(&key, &args))
            .filter(|p| !p.trim().is_empty())
            .chain(self.extra().iter().cloned())
            .collect();
        let action = self.action().map(|link| Action {
            label: lang.t(&format!("email-{kind}-action")),
            link: link.to_string(),
        });
        let layout = Layout {
            lang: lang.code(),
            subject: &subject,
            paragraphs: &paragraphs,
            action: action.as_ref(),
            colon: lang.colon().trim_end(),
            footer: lang.t("email-footer"),
        };
        Ok(RenderedEmail {
            kind,
            subject: subject.clone(),
            text: TextLayout(&layout).render()?,
            html: layout.render()?,
        })
    }
}

pub struct RenderedEmail {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

struct Action {
    label: String,
    link: String,
}

#[derive(Template)]
#[template(path = "emails/layout.html")]
struct Layout<'a> {
    lang: &'a str,
    subject: &'a str,
    paragraphs: &'a [String],
    action: Option<&'a Action>,
    /// After the action's label in the text version.
    colon: &'static str,
    footer: String,
}

#[derive(Template)]
#[template(path = "emails/layout.txt")]
struct TextLayout<'a>(&'a Layout<'a>);

/// Renders `email` for `to` in `lang` and queues it in the current transaction.
pub async fn enqueue(
    conn: &mut Conn,
    now: DateTime<Utc>,
    to: &str,
    lang: Lang,
    email: &Email,
) -> Result<i64, crate::error::AppError> {
    let rendered = email.render(lang).map_err(anyhow::Error::from)?;
    let id = outbox::insert(
        conn,
        &outbox::NewEmail {
            kind: rendered.kind,
            recipient: to,
            lang,
            subject: &rendered.subject,
            body_text: &rendered.text,
            body_html: &rendered.html,
            next_attempt_at: now,
            created_at: now,
        },
    )
    .await?;
    tracing::info!(outbox_id = id, kind = rendered.kind, "email queued");
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_each_language_with_escaped_html() {
        let email = Email::VerifyEmail {
            name: "<b>陳</b>".into(),
            link: "https://x.test/verify?token=a&b".into(),
        };
        let en = email.render(Lang::En).unwrap();
        assert!(en.subject.contains("Confirm"), "{}", en.subject);
        assert!(en.text.contains("https://x.test/verify?token=a&b"));
        assert!(
            en.text.contains("<b>陳</b>"),
            "text is not HTML-escaped: {}",
            en.text
        );
        assert!(
            en.html.contains("&#60;b&#62;陳&#60;/b&#62;") || en.html.contains("&lt;b&gt;陳"),
            "{}",
            en.html
        );
        assert!(!en.html.contains("<b>陳"));
        let hant = email.render(Lang::ZhHant).unwrap();
        let hans = email.render(Lang::ZhHans).unwrap();
        assert_ne!(hant.subject, hans.subject);
        assert_ne!(hant.subject, en.subject);
    }
}
