//! The second factor at login (DESIGN §9; required for admin and finance
//! accounts): a password that proves right opens a short-lived challenge,
//! and only a TOTP code or a recovery code turns it into a session. An
//! account that must have a second factor and has none sets it up there,
//! before its first session.

use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use serde_json::json;

use super::Origin;
use super::accounts::start_session;
use super::audit::{WithChange, event};
use crate::AppState;
use crate::domain::throttle::PER_ACCOUNT;
use crate::domain::token::{digest, new_token};
use crate::domain::totp::{self, Secret};
use crate::email::{self, Email};
use crate::error::{AppError, FormErrors};
use crate::models::users::User;
use crate::models::{Conn, UserId, audit, login_failures, second_factor, users};
use crate::policy::{self, Actor, Permission, may};

/// How long a password stays proven while its code is awaited.
pub const CHALLENGE_VALID_FOR: Duration = Duration::minutes(10);
/// Wrong codes one challenge takes before the password must be typed again.
pub const CHALLENGE_TRIES: i32 = 5;
/// The name authenticator apps show beside the account.
pub const ISSUER: &str = "Baygrants";

/// Whether `user` must pass a second factor to sign in: their roles demand
/// it, or they have one set up.
pub async fn is_needed(conn: &mut Conn, user: UserId) -> Result<bool, AppError> {
    let roles = users::roles_of(conn, user).await?;
    Ok(policy::needs_second_factor(&roles) || second_factor::totp_of(conn, user).await?.is_some())
}

/// Opens the challenge for a user whose password proved right; returns the
/// token for the browser. Runs inside the login's transaction.
pub async fn open(
    conn: &mut Conn,
    user: UserId,
    now: DateTime<Utc>,
    origin: &Origin,
) -> Result<String, AppError> {
    let token = new_token();
    let enrolled = second_factor::totp_of(conn, user).await?.is_some();
    let pending = (!enrolled).then(Secret::generate);
    second_factor::open_challenge(
        conn,
        user,
        &digest(&token),
        pending.as_ref().map(Secret::as_bytes),
        now,
        origin.ip.as_deref(),
    )
    .await?;
    audit::insert(
        conn,
        &event(
            now,
            Some(user),
            origin,
            "session.second_factor_asked",
            "user",
            user,
        )
        .change(None, Some(json!({ "enrolment": !enrolled }))),
    )
    .await?;
    Ok(token)
}

/// What the second-factor page shows.
pub enum Challenge {
    /// Type the code from the app (or a recovery code).
    Code,
    /// Set the app up with this secret first.
    Enrol { secret: Secret, account: String },
}

/// The challenge behind a browser's token, if it is still open.
pub async fn find(state: &AppState, token: &str) -> Result<Option<Challenge>, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let Some(c) = second_factor::challenge(&mut conn, &digest(token)).await? else {
        return Ok(None);
    };
    if c.created_at + CHALLENGE_VALID_FOR <= now {
        return Ok(None);
    }
    Ok(Some(match c.pending_secret.and_then(Secret::from_bytes) {
        Some(secret) => {
            let user = users::find(&mut conn, c.user_id)
                .await?
                .ok_or(AppError::NotFound)?;
            Challenge::Enrol {
                secret,
                account: user.email,
            }
        }
        None => Challenge::Code,
    }))
}

pub enum Answer {
    /// Signed in; `recovery_codes` are new ones to show once (after enrolment).
    SignedIn {
        session_token: String,
        recovery_codes: Option<Vec<String>>,
    },
    /// Wrong code; the challenge stays open.
    Wrong,
    /// No open challenge (expired, too many wrong codes, or never opened):
    /// back to the password.
    Ended,
    /// The account is locked by the login throttle.
    Locked { until: DateTime<Utc> },
}

/// Judges a code typed at the challenge; a right one starts the session.
pub async fn answer(
    state: &AppState,
    token: &str,
    typed: &str,
    previous_session: Option<i64>,
    origin: &Origin,
) -> Result<Answer, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let Some(c) = second_factor::challenge_for_update(conn, &digest(token)).await? else {
            return Ok(Answer::Ended);
        };
        if c.created_at + CHALLENGE_VALID_FOR <= now {
            second_factor::close_challenge(conn, c.id).await?;
            return Ok(Answer::Ended);
        }
        let user = users::find(conn, c.user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let ip = origin.ip.clone().unwrap_or_default();
        if let Some(until) = locked_until(conn, &user.email, &ip, now).await? {
            return Ok(Answer::Locked { until });
        }
        let accepted = match c.pending_secret.clone().and_then(Secret::from_bytes) {
            Some(secret) => enrol(state, conn, &user, &secret, typed, now, origin).await?,
            None => check_code(state, conn, &user, typed, now, origin).await?,
        };
        let Some(method) = accepted else {
            // Every wrong code counts against the account's login throttle,
            // so a stolen password does not buy unlimited guesses.
            login_failures::record(conn, &user.email, &ip, now).await?;
            let failures = second_factor::count_failure(conn, c.id).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    Some(user.id),
                    origin,
                    "session.second_factor_failed",
                    "user",
                    user.id,
                ),
            )
            .await?;
            if failures >= CHALLENGE_TRIES {
                second_factor::close_challenge(conn, c.id).await?;
                return Ok(Answer::Ended);
            }
            return Ok(Answer::Wrong);
        };
        second_factor::close_challenge(conn, c.id).await?;
        let recovery_codes = match method {
            Method::Enrolled => Some(issue_recovery_codes(conn, user.id, now).await?),
            _ => None,
        };
        let session_token =
            start_session(conn, &user, previous_session, now, origin, method.code()).await?;
        Ok(Answer::SignedIn {
            session_token,
            recovery_codes,
        })
    })
    .await
}

/// Whether the login throttle has locked the account; serialises attempts
/// on it until the end of the transaction, as login does.
async fn locked_until(
    conn: &mut Conn,
    email: &str,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    login_failures::lock(conn, email, ip).await?;
    let failures =
        login_failures::times_for_email(conn, email, now - PER_ACCOUNT.lookback()).await?;
    Ok(PER_ACCOUNT.locked_until(&failures, now))
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Totp,
    RecoveryCode,
    Enrolled,
}

impl Method {
    fn code(self) -> &'static str {
        match self {
            Method::Totp => "totp",
            Method::RecoveryCode => "recovery_code",
            Method::Enrolled => "totp_enrolled",
        }
    }
}

/// The first code from the app proves it holds the secret: it is kept.
async fn enrol(
    state: &AppState,
    conn: &mut Conn,
    user: &User,
    secret: &Secret,
    typed: &str,
    now: DateTime<Utc>,
    origin: &Origin,
) -> Result<Option<Method>, AppError> {
    let Some(step) = totp::verify(secret, typed, now, i64::MIN) else {
        return Ok(None);
    };
    if !second_factor::enrol(conn, user.id, secret.as_bytes(), step, now).await? {
        // Another login of the same account set a key up a moment ago.
        return Ok(None);
    }
    audit::insert(
        conn,
        &event(
            now,
            Some(user.id),
            origin,
            "user.second_factor_enrolled",
            "user",
            user.id,
        )
        .change(
            Some(json!({ "totp": false })),
            Some(json!({ "totp": true })),
        ),
    )
    .await?;
    notify(state, conn, user, "enrolled", now).await?;
    Ok(Some(Method::Enrolled))
}

/// A TOTP code (once per step) or an unused recovery code.
async fn check_code(
    state: &AppState,
    conn: &mut Conn,
    user: &User,
    typed: &str,
    now: DateTime<Utc>,
    origin: &Origin,
) -> Result<Option<Method>, AppError> {
    let Some(stored) = second_factor::totp_of(conn, user.id).await? else {
        return Ok(None);
    };
    let secret = Secret::from_bytes(stored.secret).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("stored TOTP secret of the wrong length"))
    })?;
    if let Some(step) = totp::verify(&secret, typed, now, stored.last_step) {
        return Ok(second_factor::use_step(conn, user.id, step)
            .await?
            .then_some(Method::Totp));
    }
    if totp::looks_like_recovery_code(typed)
        && second_factor::use_recovery_code(
            conn,
            user.id,
            &totp::recovery_digest(user.id.0, typed),
            now,
        )
        .await?
    {
        let left = second_factor::recovery_codes_left(conn, user.id).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(user.id),
                origin,
                "user.recovery_code_used",
                "user",
                user.id,
            )
            .change(None, Some(json!({ "recovery_codes_left": left }))),
        )
        .await?;
        notify(state, conn, user, "recovery-used", now).await?;
        return Ok(Some(Method::RecoveryCode));
    }
    Ok(None)
}

async fn issue_recovery_codes(
    conn: &mut Conn,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let codes = totp::new_recovery_codes();
    let digests: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| totp::recovery_digest(user.0, c))
        .collect();
    second_factor::replace_recovery_codes(conn, user, &digests, now).await?;
    Ok(codes)
}

/// The security notice to the account's owner, in their language.
async fn notify(
    state: &AppState,
    conn: &mut Conn,
    user: &User,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let lang = user.lang;
    email::enqueue(
        conn,
        now,
        &user.email,
        lang,
        &Email::SecondFactor {
            event: what.to_string(),
            link: state.config.link("/account"),
        },
    )
    .await?;
    Ok(())
}

/// The account page's view of the second factor.
pub struct Status {
    pub enrolled_at: Option<DateTime<Utc>>,
    pub recovery_codes_left: i64,
    pub required: bool,
}

pub async fn status(state: &AppState, user: UserId) -> Result<Status, AppError> {
    let mut conn = state.pool.get().await?;
    let totp = second_factor::totp_of(&mut conn, user).await?;
    let roles = users::roles_of(&mut conn, user).await?;
    Ok(Status {
        enrolled_at: totp.map(|t| t.confirmed_at),
        recovery_codes_left: second_factor::recovery_codes_left(&mut conn, user).await?,
        required: policy::needs_second_factor(&roles),
    })
}

/// New recovery codes for a signed-in user, who proves the app with a
/// current code; the old ones stop working.
pub async fn renew_recovery_codes(
    state: &AppState,
    user_id: UserId,
    typed: &str,
    origin: &Origin,
) -> Result<Vec<String>, AppError> {
    let now = state.clock.now();
    let ip = origin.ip.clone().unwrap_or_default();
    let mut conn = state.pool.get().await?;
    // The inner result is the answer; a wrong code is still committed, so
    // that it counts against the login throttle like a wrong code at login
    // (a hijacked session must not buy unlimited guesses).
    conn.transaction::<_, AppError, _>(async |conn| {
        let user = users::find(conn, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let Some(stored) = second_factor::totp_of(conn, user_id).await? else {
            return Ok(Err(FormErrors::single("code", "err-second-factor-none")));
        };
        if locked_until(conn, &user.email, &ip, now).await?.is_some() {
            return Ok(Err(FormErrors::single("code", "err-second-factor-locked")));
        }
        let secret = Secret::from_bytes(stored.secret).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("stored TOTP secret of the wrong length"))
        })?;
        let accepted = match totp::verify(&secret, typed, now, stored.last_step) {
            Some(step) => second_factor::use_step(conn, user_id, step).await?,
            None => false,
        };
        if !accepted {
            login_failures::record(conn, &user.email, &ip, now).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    Some(user_id),
                    origin,
                    "user.recovery_codes_refused",
                    "user",
                    user_id,
                ),
            )
            .await?;
            return Ok(Err(FormErrors::single("code", "err-second-factor-wrong")));
        }
        let codes = issue_recovery_codes(conn, user_id, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(user_id),
                origin,
                "user.recovery_codes_renewed",
                "user",
                user_id,
            ),
        )
        .await?;
        notify(state, conn, &user, "codes-renewed", now).await?;
        Ok(Ok(codes))
    })
    .await?
}

/// An admin removes someone's second factor (a lost phone and no recovery
/// codes left): their sessions end, and their next login sets it up anew.
/// `Ok(false)` when there was none.
pub async fn reset(
    state: &AppState,
    actor: &Actor,
    target: UserId,
    origin: &Origin,
) -> Result<bool, AppError> {
    if !may(actor, Permission::ManageRoles) {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let user = users::find(conn, target).await?.ok_or(AppError::NotFound)?;
        if !second_factor::remove(conn, target).await? {
            return Ok(false);
        }
        let ended = crate::models::sessions::delete_for_user(conn, target, None).await?;
        second_factor::close_challenges_of(conn, target).await?;
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "user.second_factor_reset",
                "user",
                target,
            )
            .change(
                Some(json!({ "totp": true })),
                Some(json!({ "totp": false, "sessions_ended": ended })),
            ),
        )
        .await?;
        notify(state, conn, &user, "reset", now).await?;
        Ok(true)
    })
    .await
}
