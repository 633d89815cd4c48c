//! `Ctx`: who is asking, in which language, with which CSRF token — read
//! once per request from the cookies and the session table.
//! `CsrfForm<T>`: a form body that is only accepted with the right token.

use crate::domain::code::AsCode;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::domain::role::Role;
use crate::domain::token::{constant_time_eq, digest, new_token};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::models::{UserId, sessions};
use crate::policy::{Actor, Permission, may};
use crate::services::Origin;

pub const SESSION_COOKIE: &str = "bg_session";
pub const CSRF_COOKIE: &str = "bg_csrf";
pub const LANG_COOKIE: &str = "bg_lang";
pub const FLASH_COOKIE: &str = "bg_flash";
/// Set while a reader wants people's own text as it was entered, not
/// converted to their script.
pub const ORIGINAL_COOKIE: &str = "bg_original";

/// Touching `last_seen_at` on every request would write on every read;
/// once a minute is precise enough for an idle timeout counted in minutes.
const TOUCH_AFTER: chrono::Duration = chrono::Duration::seconds(60);

#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: UserId,
    pub session_id: i64,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: Option<SessionUser>,
    pub lang: Lang,
    pub csrf: String,
    /// Catalogue key of a message left by the previous request.
    pub flash: Option<String>,
    /// The part of the page the message is about (an element's id), where
    /// it is shown instead of at the top: where the browser scrolls to.
    pub flash_at: Option<String>,
    /// People's own text as entered, not converted to the reader's script.
    pub original: bool,
    /// Path and query of this request, to come back to after login or a switch.
    pub path: String,
    pub origin: Origin,
}

/// Cookie work the middleware does on the way out.
#[derive(Debug, Clone, Default)]
pub struct CookieActions {
    pub set_csrf: Option<String>,
    pub clear_session: bool,
    pub clear_flash: bool,
}

/// The staff links of the navigation a reader may follow.
#[derive(Debug, Clone, Copy, Default)]
pub struct Nav {
    pub finance: bool,
    pub verifications: bool,
    pub reports: bool,
    pub calls: bool,
    pub applications: bool,
    pub funds: bool,
    pub users: bool,
    pub emails: bool,
    pub audit: bool,
}

impl Ctx {
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn t_with(&self, key: &str, args: &[(&'static str, String)]) -> String {
        self.lang.t_with(key, args)
    }

    /// What separates a label from its value (「截止：」, "Closes: ").
    pub fn colon(&self) -> &'static str {
        self.lang.colon()
    }

    /// People's own Chinese text in the reader's script (or as entered,
    /// when the reader asked for that).
    pub fn own(&self, text: &str) -> String {
        if self.original {
            text.to_string()
        } else {
            crate::i18n::script::to_reader(self.lang, text)
        }
    }

    /// A text kept in Chinese and English, for this reader: the English
    /// where there is one, else the Chinese (in the reader's script).
    pub fn pick(&self, zh: &str, en: &str) -> String {
        if self.original && self.converts() {
            zh.to_string()
        } else {
            crate::i18n::script::pick(self.lang, zh, en)
        }
    }

    /// A call's text (title or description) kept in Traditional Chinese,
    /// optionally Simplified Chinese, and optionally English, for this
    /// reader: their language's text where there is one, else the Chinese
    /// (converted to Simplified for a Simplified reader).
    pub fn call_text(&self, zh: &str, hans: &str, en: &str) -> String {
        match self.lang {
            Lang::ZhHans if !hans.trim().is_empty() => hans.to_string(),
            _ => self.pick(zh, en),
        }
    }

    /// What the page should say when a call's text is not in the reader's
    /// language: a catalogue key, or none.
    pub fn call_text_note(&self, zh: &str, hans: &str, en: &str) -> Option<&'static str> {
        match self.lang {
            Lang::En if en.trim().is_empty() => Some("call-text-chinese-only"),
            Lang::ZhHans if hans.trim().is_empty() && !self.original && self.own(zh) != zh => {
                Some("call-text-converted")
            }
            _ => None,
        }
    }

    /// Whether people's text on this page may be shown converted: a
    /// Chinese reader, who can ask for it as entered.
    pub fn converts(&self) -> bool {
        self.lang != Lang::En
    }

    /// The text for a code: `label("city", "shenzhen")` reads `city-shenzhen`.
    pub fn label<C: AsCode + ?Sized>(&self, prefix: &str, code: &C) -> String {
        self.lang.t(&format!("{prefix}-{}", code.as_code()))
    }

    /// A time as people in the Bay Area read it.
    pub fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::clock::format_bay_area(*at)
    }

    pub fn langs(&self) -> [Lang; 3] {
        Lang::ALL
    }

    pub fn actor(&self) -> Option<Actor> {
        self.user.as_ref().map(|u| Actor::User {
            id: u.id,
            roles: u.roles.clone(),
        })
    }

    /// Whether the signed-in user has `permission`, as policy decides.
    pub fn may(&self, permission: Permission) -> bool {
        self.actor()
            .is_some_and(|a| crate::policy::may(&a, permission))
    }

    /// Which of the navigation's staff links this reader may follow: each
    /// is the permission of the page it leads to.
    pub fn nav(&self) -> Nav {
        // Every page draws the navigation: one actor for all nine questions.
        let Some(actor) = self.actor() else {
            return Nav::default();
        };
        let may = |p| crate::policy::may(&actor, p);
        Nav {
            finance: may(Permission::ViewMoney),
            verifications: may(Permission::VerifyOrganizations),
            reports: may(Permission::ManageAwards),
            calls: may(Permission::ManageCalls),
            applications: may(Permission::ManageReview),
            funds: may(Permission::ManageFunds),
            users: may(Permission::ManageRoles),
            emails: may(Permission::ManageEmails),
            audit: may(Permission::ViewAudit),
        }
    }

    /// The signed-in user, or a redirect to the login page.
    pub fn require_user(&self) -> Result<&SessionUser, AppError> {
        self.user.as_ref().ok_or_else(|| AppError::SignInRequired {
            next: self.path.clone(),
        })
    }

    /// The actor if allowed; a visitor is sent to log in, anyone else gets 404.
    pub fn require(&self, permission: Permission) -> Result<Actor, AppError> {
        self.require_user()?;
        let actor = self.actor().ok_or(AppError::NotFound)?;
        if may(&actor, permission) {
            Ok(actor)
        } else {
            Err(AppError::NotFound)
        }
    }

    pub fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        if !submitted.is_empty() && constant_time_eq(submitted, &self.csrf) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }

    /// For error pages: what can be known without the database.
    pub fn from_headers(req: &HttpRequest) -> Ctx {
        let lang = lang_from_request(req, None);
        let csrf = req
            .cookie(CSRF_COOKIE)
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        Ctx {
            user: None,
            lang,
            csrf,
            flash: None,
            flash_at: None,
            original: original_of(req),
            path: path_of(req),
            origin: origin_of(req),
        }
    }
}

pub fn origin_of(req: &HttpRequest) -> Origin {
    // The socket's address, not X-Forwarded-For: a client could forge that
    // header to escape login throttling.
    Origin {
        ip: req.peer_addr().map(|a| a.ip().to_string()),
    }
}

fn path_of(req: &HttpRequest) -> String {
    let uri = req.uri();
    uri.path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string())
}

/// The user's setting, then the visitor's switcher cookie, then the browser.
fn lang_from_request(req: &HttpRequest, user_lang: Option<Lang>) -> Lang {
    user_lang
        .or_else(|| req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
        .or_else(|| {
            req.headers()
                .get(ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(Lang::negotiate)
        })
        .unwrap_or_default()
}

fn original_of(req: &HttpRequest) -> bool {
    req.cookie(ORIGINAL_COOKIE)
        .is_some_and(|c| c.value() == "1")
}

fn valid_flash_key(key: &str) -> bool {
    key.starts_with("flash-")
        && key.len() < 64
        && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// A flash cookie's value: a catalogue key, and after a `.` the id of the
/// part of the page it is about. Anything else is dropped.
fn parse_flash(value: &str) -> Option<(String, Option<String>)> {
    let (key, at) = match value.split_once('.') {
        Some((key, at)) => (key, Some(at)),
        None => (value, None),
    };
    let at_ok = at.is_none_or(|a| {
        !a.is_empty() && a.len() < 32 && a.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
    });
    (valid_flash_key(key) && at_ok).then(|| (key.to_string(), at.map(str::to_string)))
}

async fn load(req: &HttpRequest, state: &AppState) -> Result<(Ctx, CookieActions), AppError> {
    let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
    load_session(req, state, token.as_deref()).await
}

/// The context of a session that starts with this response (the page after
/// a login shows the signed-in header, though the request came without it).
pub async fn for_new_session(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
) -> Result<Ctx, AppError> {
    load_session(req, state, Some(token))
        .await
        .map(|(ctx, _)| ctx)
}

async fn load_session(
    req: &HttpRequest,
    state: &AppState,
    token: Option<&str>,
) -> Result<(Ctx, CookieActions), AppError> {
    let mut actions = CookieActions::default();
    let now = state.clock.now();
    let mut session = None;
    if let Some(token) = token {
        let mut conn = state.pool.get().await?;
        match sessions::find_with_user(&mut conn, &digest(token)).await? {
            Some((s, u, roles))
                if s.last_seen_at + state.config.session_idle > now
                    && s.created_at + state.config.session_absolute > now =>
            {
                if now - s.last_seen_at > TOUCH_AFTER {
                    sessions::touch(&mut conn, s.id, now).await?;
                }
                session = Some((s, u, roles));
            }
            Some((s, _, _)) => {
                // Expired: end it on the server too.
                sessions::delete(&mut conn, s.id).await?;
                actions.clear_session = true;
            }
            None => actions.clear_session = true,
        }
    }
    let flash = req.cookie(FLASH_COOKIE).map(|c| c.value().to_string());
    actions.clear_flash = flash.is_some();
    let (flash, flash_at) = flash
        .as_deref()
        .and_then(parse_flash)
        .map_or((None, None), |(k, at)| (Some(k), at));

    let (user, lang, csrf) = match session {
        Some((s, u, roles)) => {
            let lang = lang_from_request(req, Some(u.lang));
            let user = SessionUser {
                id: u.id,
                session_id: s.id,
                name: u.name,
                email: u.email,
                email_verified: u.email_verified_at.is_some(),
                roles,
            };
            (Some(user), lang, s.csrf_token)
        }
        None => {
            let csrf = match req.cookie(CSRF_COOKIE).map(|c| c.value().to_string()) {
                Some(token) if token.len() == 43 => token,
                _ => {
                    let token = new_token();
                    actions.set_csrf = Some(token.clone());
                    token
                }
            };
            (None, lang_from_request(req, None), csrf)
        }
    };
    Ok((
        Ctx {
            user,
            lang,
            csrf,
            flash,
            flash_at,
            original: original_of(req),
            path: path_of(req),
            origin: origin_of(req),
        },
        actions,
    ))
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Ctx, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(ctx) = req.extensions().get::<Ctx>() {
                return Ok(ctx.clone());
            }
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("AppState missing")))?;
            let (ctx, actions) = load(&req, state).await?;
            req.extensions_mut().insert(ctx.clone());
            req.extensions_mut().insert(actions);
            Ok(ctx)
        })
    }
}

/// Largest form body accepted (attachments use their own limit).
pub const FORM_LIMIT: usize = 64 * 1024;

/// A urlencoded form that carries a valid `csrf` field. Without one the
/// request is refused with 403 before the form is even read.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let ctx = Ctx::from_request(&req, &mut Payload::None).await?;
            let bytes = body
                .await
                .map_err(|e| match e.as_response_error().status_code() {
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
                    _ => AppError::BadRequest,
                })?;
            // Our forms post urlencoded UTF-8; anything else would be read
            // with replacement characters and stored changed.
            let urlencoded = req
                .headers()
                .get(actix_web::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| {
                    v.to_ascii_lowercase()
                        .starts_with("application/x-www-form-urlencoded")
                });
            if !urlencoded || !strictly_utf8(&bytes) {
                return Err(AppError::BadRequest);
            }
            let field: CsrfField =
                serde_html_form::from_bytes(&bytes).map_err(|_| AppError::Csrf)?;
            ctx.check_csrf(&field.csrf)?;
            serde_html_form::from_bytes(&bytes)
                .map(CsrfForm)
                .map_err(|_| AppError::BadRequest)
        })
    }
}

/// Whether a urlencoded body is UTF-8 once every `%XX` is decoded
/// (`serde_html_form` would quietly replace bad bytes with U+FFFD).
fn strictly_utf8(body: &[u8]) -> bool {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let mut decoded = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'%' => match (
                body.get(i + 1).and_then(|b| hex(*b)),
                body.get(i + 2).and_then(|b| hex(*b)),
            ) {
                (Some(h), Some(l)) => {
                    decoded.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => decoded.push(b'%'),
            },
            b => decoded.push(b),
        }
        i += 1;
    }
    std::str::from_utf8(&decoded).is_ok()
}

/// A form with nothing but the CSRF token (logout, retry buttons).
#[derive(serde::Deserialize)]
pub struct NoFields {}

#[cfg(test)]
mod tests {
    use super::strictly_utf8;

    #[test]
    fn form_bodies_must_be_utf8_after_decoding() {
        assert!(strictly_utf8(b"csrf=abc&title=Silver+bridges"));
        assert!(strictly_utf8("title=銀橋".as_bytes()));
        assert!(strictly_utf8(b"title=%E9%8A%80%E6%A9%8B&pct=100%"));
        assert!(!strictly_utf8(b"title=Ch%FF%FEanged"));
        assert!(!strictly_utf8(b"title=Ch\xff\xfeanged"));
        assert!(!strictly_utf8(b"title=%E9%8A"), "a cut-off character");
    }
}
