//! Reading an uploaded file from a multipart form, for every upload the
//! app takes (application attachments, report files): counted and cut off
//! as the body streams in, the CSRF token checked before the file is read.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, web};
use futures_util::TryStreamExt;

use super::ctx::Ctx;
use crate::error::AppError;
use crate::services::applications::MAX_ATTACHMENT;

/// A file read from a multipart form, or the news that it was too large.
pub(crate) enum Upload {
    File(String, Vec<u8>),
    TooLarge,
}

/// The most one upload request may carry: one file at its limit, the token
/// and the multipart framing around them.
pub(crate) const MAX_UPLOAD_REQUEST: usize = MAX_ATTACHMENT + 64 * 1024;

/// Bytes of upload bodies read by this process so far, multipart framing
/// included: what a refusal cost, as the upload tests measure it.
pub static UPLOAD_BYTES_READ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Reads an upload as it streams in. The caller has settled who may upload
/// before calling. A body declared larger than [`MAX_UPLOAD_REQUEST`] is not
/// read at all; otherwise reading stops as soon as the body (counted as it
/// arrives, multipart framing included) passes it, the file passes its own
/// limit, or a part comes that the form does not have: the CSRF token must
/// come first, then one file, nothing else.
pub(crate) async fn read_upload(
    ctx: &Ctx,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Upload, AppError> {
    use futures_util::StreamExt;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_UPLOAD_REQUEST as u64) {
        return Ok(Upload::TooLarge);
    }
    let over = std::rc::Rc::new(std::cell::Cell::new(false));
    let past_limit = over.clone();
    let mut read = 0usize;
    let body = payload.map(move |chunk| {
        let chunk = chunk?;
        read += chunk.len();
        UPLOAD_BYTES_READ.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
        if read > MAX_UPLOAD_REQUEST {
            past_limit.set(true);
            return Err(actix_web::error::PayloadError::Overflow);
        }
        Ok(chunk)
    });
    let mut parts = Multipart::new(req.headers(), body);
    match read_parts(ctx, &mut parts, &over).await {
        Ok((name, data)) => Ok(Upload::File(name, data)),
        Err(Stop::TooLarge) => Ok(Upload::TooLarge),
        Err(Stop::Refused(e)) => Err(e),
    }
}

/// Why reading an upload stopped early: a limit, or a refusal.
enum Stop {
    TooLarge,
    Refused(AppError),
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Stop::Refused(e)
    }
}

/// A body that cannot be read is a bad request; one cut off at the
/// request's limit (`over`) is too large.
fn unreadable(over: &std::cell::Cell<bool>) -> Stop {
    if over.get() {
        Stop::TooLarge
    } else {
        Stop::Refused(AppError::BadRequest)
    }
}

/// The token, then one file: its name and bytes.
async fn read_parts(
    ctx: &Ctx,
    parts: &mut Multipart,
    over: &std::cell::Cell<bool>,
) -> Result<(String, Vec<u8>), Stop> {
    let mut token_ok = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(mut field) = parts.try_next().await.map_err(|_| unreadable(over))? {
        match field.name() {
            Some("csrf") if !token_ok && file.is_none() => {
                let mut token = Vec::new();
                while let Some(chunk) = field.try_next().await.map_err(|_| unreadable(over))? {
                    token.extend_from_slice(&chunk);
                    if token.len() > 128 {
                        return Err(AppError::Csrf.into());
                    }
                }
                ctx.check_csrf(std::str::from_utf8(&token).unwrap_or(""))?;
                token_ok = true;
            }
            Some("file") if token_ok && file.is_none() => {
                let name = field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .unwrap_or("")
                    .to_string();
                let mut data = Vec::new();
                while let Some(chunk) = field.try_next().await.map_err(|_| unreadable(over))? {
                    if data.len() + chunk.len() > MAX_ATTACHMENT {
                        return Err(Stop::TooLarge);
                    }
                    data.extend_from_slice(&chunk);
                }
                file = Some((name, data));
            }
            Some("file") if !token_ok => return Err(AppError::Csrf.into()),
            // A second token or file, or a field the form does not have.
            _ => return Err(AppError::BadRequest.into()),
        }
    }
    if !token_ok {
        return Err(AppError::Csrf.into());
    }
    Ok(file.ok_or(AppError::BadRequest)?)
}
