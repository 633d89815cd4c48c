//! Registration, email verification, login and logout, password reset and
//! change, and profile settings.

use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use serde_json::json;

use super::audit::{WithChange, event};
use super::{Origin, passwords};
use crate::AppState;
use crate::domain::account::{EmailAddress, NewPassword, PersonName};
use crate::domain::throttle::{PER_ACCOUNT, PER_ADDRESS};
use crate::domain::token::{digest, new_token};
use crate::email::{self, Email};
use crate::error::{AppError, FormErrors};
use crate::i18n::Lang;
use crate::models::tokens::Purpose;
use crate::models::users::{NewUser, User};
use crate::models::{UserId, audit, login_failures, sessions, tokens, users};

pub const VERIFY_EMAIL_VALID_FOR: Duration = Duration::hours(48);
pub const RESET_VALID_FOR: Duration = Duration::hours(1);

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct Registration {
    pub name: String,
    pub email: String,
    pub password: String,
    pub password_confirm: String,
    pub lang: String,
}

/// Creates an unverified account and emails a verification link.
pub async fn register(
    state: &AppState,
    input: &Registration,
    origin: &Origin,
) -> Result<UserId, AppError> {
    let mut errors = FormErrors::default();
    let name = PersonName::parse(&input.name)
        .map_err(|k| errors.add("name", k))
        .ok();
    let email = EmailAddress::parse(&input.email)
        .map_err(|k| errors.add("email", k))
        .ok();
    let password = NewPassword::parse(&input.password, &input.password_confirm)
        .map_err(|(field, k)| errors.add(field, k))
        .ok();
    let lang = Lang::parse(&input.lang);
    if lang.is_none() {
        errors.add("lang", "err-lang-unknown");
    }
    let (Some(name), Some(email), Some(password), Some(lang)) = (name, email, password, lang)
    else {
        return Err(AppError::Invalid(errors));
    };
    let hash = passwords::hash(password.expose().to_string()).await?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        if users::find_by_email(conn, email.as_str()).await?.is_some() {
            return Err(FormErrors::single("email", "err-email-taken"));
        }
        let user = users::insert(
            conn,
            &NewUser {
                email: email.as_str(),
                name: name.as_str(),
                password_hash: &hash,
                lang,
                email_verified_at: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .map_err(|e| {
            if crate::models::is_unique_violation(&e) {
                FormErrors::single("email", "err-email-taken")
            } else {
                e.into()
            }
        })?;
        send_verification(state, conn, &user, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(user.id),
                origin,
                "user.registered",
                "user",
                user.id,
            )
            .change(
                None,
                Some(json!({ "email": user.email, "name": user.name, "lang": user.lang })),
            ),
        )
        .await?;
        Ok(user.id)
    })
    .await
}

async fn send_verification(
    state: &AppState,
    conn: &mut crate::models::Conn,
    user: &User,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let token = new_token();
    tokens::issue(
        conn,
        user.id,
        Purpose::VerifyEmail,
        &digest(&token),
        now,
        now + VERIFY_EMAIL_VALID_FOR,
    )
    .await?;
    let link = state.config.link(&format!("/verify-email?token={token}"));
    let lang = user.lang;
    email::enqueue(
        conn,
        now,
        &user.email,
        lang,
        &Email::VerifyEmail {
            name: user.name.clone(),
            link,
        },
    )
    .await?;
    Ok(())
}

/// Sends a fresh verification link to a signed-in, unverified user.
pub async fn resend_verification(
    state: &AppState,
    user_id: UserId,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let user = users::find(conn, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if user.email_verified_at.is_none() {
            send_verification(state, conn, &user, now).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    Some(user.id),
                    origin,
                    "user.verification_resent",
                    "user",
                    user.id,
                ),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenOutcome {
    Done,
    AlreadyDone,
    /// Unknown, expired or already used.
    Invalid,
}

pub async fn verify_email(
    state: &AppState,
    token: &str,
    origin: &Origin,
) -> Result<TokenOutcome, AppError> {
    let now = state.clock.now();
    let hash = digest(token.trim());
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let Some(found) = tokens::find_for_update(conn, Purpose::VerifyEmail, &hash).await? else {
            return Ok(TokenOutcome::Invalid);
        };
        let user = users::find(conn, found.user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if user.email_verified_at.is_some() {
            return Ok(TokenOutcome::AlreadyDone);
        }
        if found.used_at.is_some() || found.expires_at <= now {
            return Ok(TokenOutcome::Invalid);
        }
        tokens::mark_used(conn, found.id, now).await?;
        users::mark_verified(conn, user.id, now).await?;
        super::review::join_invited_panels(conn, &user, now, origin).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(user.id),
                origin,
                "user.email_verified",
                "user",
                user.id,
            )
            .change(
                Some(json!({ "email_verified": false })),
                Some(json!({ "email_verified": true })),
            ),
        )
        .await?;
        Ok(TokenOutcome::Done)
    })
    .await
}

pub enum LoginOutcome {
    /// Signed in: `token` goes into the session cookie.
    SignedIn {
        token: String,
        user: User,
    },
    /// The password is right and a second factor is needed: `token` goes
    /// into the challenge cookie.
    SecondFactor {
        token: String,
    },
    /// Unknown email or wrong password: the same answer for both.
    Refused,
    Locked {
        until: DateTime<Utc>,
    },
}

/// Checks the credentials and, when they are right, starts a new session
/// (ending `previous_session`, so the token always changes at login).
pub async fn login(
    state: &AppState,
    email_raw: &str,
    password: &str,
    previous_session: Option<i64>,
    origin: &Origin,
) -> Result<LoginOutcome, AppError> {
    let now = state.clock.now();
    let email = EmailAddress::parse(email_raw)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| email_raw.trim().to_lowercase());
    let ip = origin.ip.clone().unwrap_or_default();

    // Check the throttle and count this attempt in one locked step, before
    // the password is checked: parallel guesses cannot all slip through.
    let user = {
        let mut conn = state.pool.get().await?;
        let checked = conn
            .transaction::<_, AppError, _>(async |conn| {
                login_failures::lock(conn, &email, &ip).await?;
                let by_account =
                    login_failures::times_for_email(conn, &email, now - PER_ACCOUNT.lookback())
                        .await?;
                let by_address =
                    login_failures::times_for_ip(conn, &ip, now - PER_ADDRESS.lookback()).await?;
                let locked = [
                    PER_ACCOUNT.locked_until(&by_account, now),
                    PER_ADDRESS.locked_until(&by_address, now),
                ]
                .into_iter()
                .flatten()
                .max();
                if let Some(until) = locked {
                    return Ok(Err(until));
                }
                // Counted as a failure until the password proves right.
                login_failures::record(conn, &email, &ip, now).await?;
                Ok(Ok(users::find_by_email(conn, &email).await?))
            })
            .await?;
        match checked {
            Ok(user) => user,
            Err(until) => return Ok(LoginOutcome::Locked { until }),
        }
    };

    let ok = passwords::verify(
        password.to_string(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let mut conn = state.pool.get().await?;
    match user {
        Some(user) if ok => {
            let outcome = conn
                .transaction::<_, AppError, _>(async |conn| {
                    if super::second_factor::is_needed(conn, user.id).await? {
                        let token = super::second_factor::open(conn, user.id, now, origin).await?;
                        return Ok(LoginOutcome::SecondFactor { token });
                    }
                    let token =
                        start_session(conn, &user, previous_session, now, origin, "none").await?;
                    Ok(LoginOutcome::SignedIn {
                        token,
                        user: user.clone(),
                    })
                })
                .await?;
            Ok(outcome)
        }
        user => {
            conn.transaction::<_, AppError, _>(async |conn| {
                let (entity, id) = match &user {
                    Some(u) => ("user", u.id.to_string()),
                    None => ("email", email.clone()),
                };
                audit::insert(
                    conn,
                    &event(
                        now,
                        user.as_ref().map(|u| u.id),
                        origin,
                        "session.login_failed",
                        entity,
                        id,
                    ),
                )
                .await?;
                Ok(())
            })
            .await?;
            Ok(LoginOutcome::Refused)
        }
    }
}

/// Starts a session for `user` (ending `previous_session`, so the token
/// always changes at login), forgives the account's failed attempts and
/// audits the login with the second factor it took; returns the cookie token.
pub(super) async fn start_session(
    conn: &mut crate::models::Conn,
    user: &User,
    previous_session: Option<i64>,
    now: DateTime<Utc>,
    origin: &Origin,
    second_factor: &str,
) -> Result<String, AppError> {
    let token = new_token();
    let csrf = new_token();
    if let Some(old) = previous_session {
        sessions::delete(conn, old).await?;
    }
    let session = sessions::insert(
        conn,
        &sessions::NewSession {
            token_hash: &digest(&token),
            user_id: user.id,
            csrf_token: &csrf,
            created_at: now,
            last_seen_at: now,
            ip: origin.ip.as_deref(),
        },
    )
    .await?;
    login_failures::clear_for_email(conn, &user.email).await?;
    audit::insert(
        conn,
        &event(
            now,
            Some(user.id),
            origin,
            "session.login",
            "session",
            session.id,
        )
        .change(None, Some(json!({ "second_factor": second_factor }))),
    )
    .await?;
    Ok(token)
}

pub async fn logout(
    state: &AppState,
    session_id: i64,
    user: UserId,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        if sessions::delete(conn, session_id).await? {
            audit::insert(
                conn,
                &event(
                    now,
                    Some(user),
                    origin,
                    "session.logout",
                    "session",
                    session_id,
                ),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

/// Emails a reset link if the address belongs to an account. The caller
/// shows the same answer either way.
pub async fn request_password_reset(
    state: &AppState,
    email_raw: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    let Ok(email) = EmailAddress::parse(email_raw) else {
        return Err(FormErrors::single("email", "err-email-invalid"));
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let Some(user) = users::find_by_email(conn, email.as_str()).await? else {
            return Ok(());
        };
        let token = new_token();
        tokens::issue(
            conn,
            user.id,
            Purpose::ResetPassword,
            &digest(&token),
            now,
            now + RESET_VALID_FOR,
        )
        .await?;
        let link = state.config.link(&format!("/password/reset?token={token}"));
        let lang = user.lang;
        email::enqueue(
            conn,
            now,
            &user.email,
            lang,
            &Email::PasswordReset {
                name: user.name.clone(),
                link,
            },
        )
        .await?;
        audit::insert(
            conn,
            &event(
                now,
                None,
                origin,
                "user.password_reset_requested",
                "user",
                user.id,
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Whether a reset token would currently be accepted (to show the form).
pub async fn reset_token_is_valid(state: &AppState, token: &str) -> Result<bool, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let found =
        tokens::find_for_update(&mut conn, Purpose::ResetPassword, &digest(token.trim())).await?;
    Ok(found.is_some_and(|t| t.used_at.is_none() && t.expires_at > now))
}

/// Sets a new password with a single-use token, ending every session.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    password: &str,
    confirmation: &str,
    origin: &Origin,
) -> Result<TokenOutcome, AppError> {
    let password =
        NewPassword::parse(password, confirmation).map_err(|(f, k)| FormErrors::single(f, k))?;
    let hash = passwords::hash(password.expose().to_string()).await?;
    let now = state.clock.now();
    let token_hash = digest(token.trim());
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let Some(found) =
            tokens::find_for_update(conn, Purpose::ResetPassword, &token_hash).await?
        else {
            return Ok(TokenOutcome::Invalid);
        };
        if found.used_at.is_some() || found.expires_at <= now {
            return Ok(TokenOutcome::Invalid);
        }
        tokens::mark_used(conn, found.id, now).await?;
        users::set_password(conn, found.user_id, &hash, now).await?;
        // Following the emailed link proves the address is theirs.
        users::mark_verified(conn, found.user_id, now).await?;
        let ended = sessions::delete_for_user(conn, found.user_id, None).await?;
        crate::models::second_factor::close_challenges_of(conn, found.user_id).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(found.user_id),
                origin,
                "user.password_reset",
                "user",
                found.user_id,
            )
            .change(None, Some(json!({ "sessions_ended": ended }))),
        )
        .await?;
        Ok(TokenOutcome::Done)
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct PasswordChange {
    pub current_password: String,
    pub password: String,
    pub password_confirm: String,
}

/// Changes the password after checking the current one; ends every other session.
pub async fn change_password(
    state: &AppState,
    user_id: UserId,
    current_session: i64,
    input: &PasswordChange,
    origin: &Origin,
) -> Result<(), AppError> {
    let password = NewPassword::parse(&input.password, &input.password_confirm)
        .map_err(|(f, k)| FormErrors::single(f, k))?;
    let stored = {
        let mut conn = state.pool.get().await?;
        users::find(&mut conn, user_id)
            .await?
            .ok_or(AppError::NotFound)?
            .password_hash
    };
    if !passwords::verify(input.current_password.clone(), Some(stored)).await {
        return Err(FormErrors::single(
            "current_password",
            "err-current-password-wrong",
        ));
    }
    let hash = passwords::hash(password.expose().to_string()).await?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        users::set_password(conn, user_id, &hash, now).await?;
        let ended = sessions::delete_for_user(conn, user_id, Some(current_session)).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(user_id),
                origin,
                "user.password_changed",
                "user",
                user_id,
            )
            .change(None, Some(json!({ "other_sessions_ended": ended }))),
        )
        .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ProfileUpdate {
    pub name: String,
    pub lang: String,
}

pub async fn update_profile(
    state: &AppState,
    user_id: UserId,
    input: &ProfileUpdate,
    origin: &Origin,
) -> Result<(), AppError> {
    let mut errors = FormErrors::default();
    let name = PersonName::parse(&input.name)
        .map_err(|k| errors.add("name", k))
        .ok();
    let lang = Lang::parse(&input.lang);
    if lang.is_none() {
        errors.add("lang", "err-lang-unknown");
    }
    let (Some(name), Some(lang)) = (name, lang) else {
        return Err(AppError::Invalid(errors));
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let before = users::find(conn, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        users::update_profile(conn, user_id, name.as_str(), lang, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(user_id),
                origin,
                "user.profile_updated",
                "user",
                user_id,
            )
            .change(
                Some(json!({ "name": before.name, "lang": before.lang })),
                Some(json!({ "name": name.as_str(), "lang": lang.code() })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

/// The language switcher, for a signed-in user: remembered on the account.
pub async fn set_language(
    state: &AppState,
    user_id: UserId,
    lang: Lang,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let before = users::find(conn, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if before.lang != lang {
            users::set_lang(conn, user_id, lang, now).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    Some(user_id),
                    origin,
                    "user.language_changed",
                    "user",
                    user_id,
                )
                .change(
                    Some(json!({ "lang": before.lang })),
                    Some(json!({ "lang": lang.code() })),
                ),
            )
            .await?;
        }
        Ok(())
    })
    .await
}
