//! The one error type handlers return, and how each kind becomes a response.
//! Not found is 404; a missing session redirects to the login page; pool
//! exhaustion is 503; anything unexpected is a 500 whose cause is only logged.
//! `web::middleware::error_pages` turns these into pages in the reader's language.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::{HttpResponse, ResponseError};

pub use crate::domain::form::FormErrors;

/// How a form's failures become the handlers' error.
impl FormErrors {
    /// `Err(Invalid)` when anything was added.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }

    pub fn single(field: &'static str, key: impl Into<String>) -> AppError {
        let mut e = FormErrors::default();
        e.add(field, key);
        AppError::Invalid(e)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("missing or invalid CSRF token")]
    Csrf,
    #[error("the request could not be read")]
    BadRequest,
    #[error("the request is too large")]
    TooLarge,
    #[error("the form has errors")]
    Invalid(FormErrors),
    /// The request is understood but the record's state forbids it; the
    /// key explains why.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// An irreversible action that may go ahead, asked without the
    /// person's confirmation (`web::confirm`): nothing was done.
    #[error("the action needs confirmation")]
    Unconfirmed,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// Whether a database error says PostgreSQL is away (stopped, restarting,
/// the connection cut) rather than that the statement was wrong: the
/// person should try again shortly (503), not report a fault (500).
fn database_away(e: &diesel::result::Error) -> bool {
    use diesel::result::DatabaseErrorKind as Kind;
    match e {
        diesel::result::Error::DatabaseError(
            Kind::ClosedConnection | Kind::UnableToSendCommand,
            _,
        ) => true,
        // 57P01 admin_shutdown, 57P03 cannot_connect_now: no code reaches
        // here, only the server's words.
        diesel::result::Error::DatabaseError(Kind::Unknown, info) => {
            let m = info.message();
            m.starts_with("terminating connection") || m.starts_with("the database system is")
        }
        _ => false,
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            // Handlers of such actions answer with the confirmation page;
            // one that does not is refused rather than done.
            AppError::Unconfirmed => StatusCode::CONFLICT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(e) if database_away(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        match self {
            AppError::SignInRequired { next } => HttpResponse::SeeOther()
                .insert_header((
                    LOCATION,
                    format!(
                        "/login?next={}",
                        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                    ),
                ))
                .finish(),
            // The error-page middleware replaces this body with a page.
            _ => HttpResponse::build(status)
                .insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"))
                .body(status.canonical_reason().unwrap_or("error")),
        }
    }
}

#[cfg(test)]
mod away_tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind as Kind, Error};

    fn status(kind: Kind, message: &str) -> StatusCode {
        AppError::Db(Error::DatabaseError(kind, Box::new(message.to_string()))).status_code()
    }

    #[test]
    fn a_database_that_went_away_is_a_503_and_a_wrong_statement_a_500() {
        assert_eq!(
            status(Kind::UnableToSendCommand, "connection closed"),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(Kind::ClosedConnection, "closed"),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(
                Kind::Unknown,
                "terminating connection due to administrator command"
            ),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(Kind::Unknown, "the database system is shutting down"),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(Kind::Unknown, "column \"x\" does not exist"),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            status(Kind::UniqueViolation, "duplicate key"),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
