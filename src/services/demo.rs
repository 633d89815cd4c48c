//! `seed --demo`: one verified user per role, with passwords printed once.
//! Running it again leaves existing users and their passwords alone.

use diesel_async::AsyncConnection;

use super::{Origin, audit::event, passwords};
use crate::AppState;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::models::users::NewUser;
use crate::models::{audit, users};

pub struct DemoUser {
    pub email: &'static str,
    pub name: &'static str,
    pub roles: &'static [Role],
    /// `Some` only when the user was created by this run.
    pub password: Option<String>,
}

const USERS: [(&str, &str, &[Role]); 4] = [
    (
        "admin@demo.baygrants.org",
        "示範管理員 Demo Admin",
        &[Role::Admin],
    ),
    (
        "finance1@demo.baygrants.org",
        "示範財務一 Demo Finance 1",
        &[Role::Finance],
    ),
    (
        "finance2@demo.baygrants.org",
        "示範財務二 Demo Finance 2",
        &[Role::Finance],
    ),
    (
        "applicant@demo.baygrants.org",
        "示範申請人 Demo Applicant",
        &[],
    ),
];

pub async fn seed(state: &AppState) -> Result<Vec<DemoUser>, AppError> {
    let mut out = Vec::new();
    for (email, name, roles) in USERS {
        let now = state.clock.now();
        let exists = {
            let mut conn = state.pool.get().await?;
            users::find_by_email(&mut conn, email).await?.is_some()
        };
        if exists {
            out.push(DemoUser {
                email,
                name,
                roles,
                password: None,
            });
            continue;
        }
        let password = readable_password();
        let hash = passwords::hash(password.clone()).await?;
        let mut conn = state.pool.get().await?;
        conn.transaction::<_, AppError, _>(async |conn| {
            let user = users::insert(
                conn,
                &NewUser {
                    email,
                    name,
                    password_hash: &hash,
                    lang: "zh-Hant",
                    email_verified_at: Some(now),
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
            for role in roles {
                users::grant_role(conn, user.id, *role, None, now).await?;
            }
            audit::insert(
                conn,
                &event(
                    now,
                    None,
                    &Origin::cli(),
                    "user.demo_seeded",
                    "user",
                    user.id,
                ),
            )
            .await?;
            Ok(())
        })
        .await?;
        out.push(DemoUser {
            email,
            name,
            roles,
            password: Some(password),
        });
    }
    Ok(out)
}

/// Random and easy to copy: three groups of six letters and digits (~107 bits).
fn readable_password() -> String {
    use rand::Rng;
    use rand::distributions::Alphanumeric;
    let chars: String = rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(18)
        .map(char::from)
        .collect();
    format!("{}-{}-{}", &chars[0..6], &chars[6..12], &chars[12..18])
}
