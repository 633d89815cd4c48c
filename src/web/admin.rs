//! Platform administration: users and roles, failed emails, the audit trail.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::ctx::{CsrfForm, Ctx, NoFields};
use super::{render, see_other_with_flash};
use crate::AppState;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::models::outbox::Status;
use crate::models::users::UserWithRoles;
use crate::models::{UserId, audit, outbox, second_factor, users};
use crate::policy::Permission;
use crate::services::roles::{self, Change};

const PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage<'a> {
    c: &'a Ctx,
    q: String,
    rows: Vec<UserWithRoles>,
    roles: [Role; 2],
    /// The rows' users who have a second factor (admins can reset it).
    enrolled: Vec<UserId>,
    next_after: Option<i64>,
}

pub async fn users(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageRoles)?;
    let mut conn = state.pool.get().await?;
    let rows = users::page_with_roles(&mut conn, Some(&query.q), query.after.map(UserId), PAGE + 1)
        .await?;
    let (rows, next_after) = split_page(rows, |r| r.user.id.0);
    let ids: Vec<UserId> = rows.iter().map(|r| r.user.id).collect();
    let enrolled = second_factor::enrolled_among(&mut conn, &ids).await?;
    render(&UsersPage {
        c: &ctx,
        q: query.q.clone(),
        rows,
        roles: Role::ALL,
        enrolled,
        next_after,
    })
}

/// Keeps `PAGE` rows and says where the next page starts, if there is one.
fn split_page<T>(mut rows: Vec<T>, key: impl Fn(&T) -> i64) -> (Vec<T>, Option<i64>) {
    if rows.len() as i64 > PAGE {
        rows.truncate(PAGE as usize);
        let next = rows.last().map(key);
        (rows, next)
    } else {
        (rows, None)
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    role: String,
    action: String,
}

pub async fn change_role(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageRoles)?;
    let target = path
        .parse::<i64>()
        .map(UserId)
        .map_err(|_| AppError::NotFound)?;
    let role = Role::from_code(&form.role).ok_or(AppError::BadRequest)?;
    let change = match form.action.as_str() {
        "grant" => Change::Grant,
        "revoke" => Change::Revoke,
        _ => return Err(AppError::BadRequest),
    };
    let secure = state.config.cookie_secure;
    match roles::change(&state, &actor, target, role, change, &ctx.origin).await {
        Ok(_) => Ok(see_other_with_flash(
            "/admin/users",
            "flash-roles-saved",
            secure,
        )),
        Err(AppError::Invalid(_)) => Ok(see_other_with_flash(
            "/admin/users",
            "flash-last-admin",
            secure,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "admin/emails.html")]
struct EmailsPage<'a> {
    c: &'a Ctx,
    rows: Vec<outbox::OutboxEmail>,
    pending: i64,
}

pub async fn emails(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageEmails)?;
    let mut conn = state.pool.get().await?;
    let rows = outbox::problems(&mut conn, 100).await?;
    let pending = outbox::count_by_status(&mut conn, Status::Pending).await?;
    render(&EmailsPage {
        c: &ctx,
        rows,
        pending,
    })
}

pub async fn retry_email(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageEmails)?;
    let id = path.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let requeued = crate::services::emails::retry(&state, &actor, id, &ctx.origin).await?;
    let flash = if requeued {
        "flash-email-requeued"
    } else {
        "flash-email-not-failed"
    };
    Ok(see_other_with_flash(
        "/admin/emails",
        flash,
        state.config.cookie_secure,
    ))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    entity_type: Option<String>,
    entity_id: Option<String>,
    before: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage<'a> {
    c: &'a Ctx,
    rows: Vec<audit::AuditRow>,
    next_before: Option<i64>,
    filter: Option<(String, String)>,
}

pub async fn audit(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ViewAudit)?;
    let filter = query.entity_type.clone().zip(query.entity_id.clone());
    let mut conn = state.pool.get().await?;
    let rows = audit::page(
        &mut conn,
        filter.as_ref().map(|(t, i)| (t.as_str(), i.as_str())),
        query.before,
        PAGE + 1,
    )
    .await?;
    let (rows, next_before) = split_page(rows, |r| r.id);
    render(&AuditPage {
        c: &ctx,
        rows,
        next_before,
        filter,
    })
}

/// One field an audited change touched, as a reader sees it.
struct Changed {
    field: String,
    before: String,
    after: String,
}

impl AuditPage<'_> {
    /// The event's name in the reader's language (`audit-application-withdrawn`
    /// for `application.withdrawn`); its code where a newer event has no name yet.
    fn action(&self, code: &str) -> String {
        let key = format!("audit-{}", code.replace(['.', '_'], "-"));
        if self.c.lang.has(&key) {
            self.c.t(&key)
        } else {
            code.to_string()
        }
    }

    /// The kind of record, named: "Application #17".
    fn entity(&self, kind: &str, id: &str) -> String {
        let key = format!("audit-entity-{}", kind.replace('_', "-"));
        let name = if self.c.lang.has(&key) {
            self.c.t(&key)
        } else {
            kind.to_string()
        };
        format!("{name} #{id}")
    }

    /// The change field by field: the fields of `before` and `after` side by
    /// side, each named in the reader's language where it has a name.
    fn changes(&self, row: &audit::AuditRow) -> Vec<Changed> {
        let fields = |v: &Option<serde_json::Value>| match v {
            Some(serde_json::Value::Object(m)) => m.clone(),
            Some(serde_json::Value::Null) | None => serde_json::Map::new(),
            Some(other) => std::iter::once(("value".to_string(), other.clone())).collect(),
        };
        let (before, after) = (fields(&row.before), fields(&row.after));
        let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .map(|name| {
                let key = format!("audit-field-{}", name.replace('_', "-"));
                Changed {
                    field: if self.c.lang.has(&key) {
                        self.c.t(&key)
                    } else {
                        name.replace('_', " ")
                    },
                    before: before.get(name).map(|v| self.value(v)).unwrap_or_default(),
                    after: after.get(name).map(|v| self.value(v)).unwrap_or_default(),
                }
            })
            .collect()
    }

    /// A recorded value as text: strings without quotes, yes/no, lists joined.
    fn value(&self, v: &serde_json::Value) -> String {
        use serde_json::Value;
        match v {
            Value::Null => "—".to_string(),
            Value::Bool(b) => self.c.t(if *b { "yes" } else { "no" }),
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Array(items) => items
                .iter()
                .map(|i| self.value(i))
                .collect::<Vec<_>>()
                .join(", "),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| format!("{}: {}", k.replace('_', " "), self.value(v)))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;

    /// Every source file under `dir`, recursively.
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Every event the code audits has a name in the audit trail: a string
    /// literal `"kind.what_happened"` whose kind is one the trail records.
    /// (The catalogues' own test then holds all three languages to it.)
    #[test]
    fn every_audited_event_has_a_name() {
        const KINDS: [&str; 17] = [
            "application",
            "award",
            "call",
            "decision",
            "demo",
            "email",
            "focus_area",
            "fund",
            "ledger",
            "organization",
            "payment",
            "refund",
            "report",
            "review",
            "reviewer",
            "session",
            "user",
        ];
        let mut files = Vec::new();
        sources(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut files,
        );
        let mut unnamed = Vec::new();
        let mut seen = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for literal in text.split('"').skip(1).step_by(2) {
                let Some((kind, what)) = literal.split_once('.') else {
                    continue;
                };
                let word = |s: &str| {
                    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                };
                // File names ("ledger.csv") are not events.
                let file = ["csv", "pdf", "png", "eml", "json"].contains(&what);
                if KINDS.contains(&kind) && word(what) && !file {
                    seen += 1;
                    let key = format!("audit-{}", literal.replace(['.', '_'], "-"));
                    if !Lang::En.has(&key) {
                        unnamed.push(literal.to_string());
                    }
                }
            }
        }
        assert!(seen > 50, "the scan finds the audited events ({seen})");
        assert!(unnamed.is_empty(), "events without a name: {unnamed:?}");
    }
}
