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
            AppError::Db(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                _,
            )) => StatusCode::SERVICE_UNAVAILABLE,
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
