//! Every CSV the app writes: one writer, one way to make a cell safe to
//! open in a spreadsheet, one way to send it as a download.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, HttpResponseBuilder};

use crate::error::AppError;

/// The byte-order mark every CSV starts with: without it Excel on Windows
/// reads UTF-8 as the local code page and shows Chinese as mojibake.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A writer into memory, for exports small enough to build whole; the
/// byte-order mark is written first.
pub fn writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(BOM.to_vec())
}

/// A writer's failure is ours, not the reader's.
pub fn error(e: csv::Error) -> AppError {
    AppError::Internal(e.into())
}

/// A cell safe to open in a spreadsheet: text that starts like a formula
/// (`=`, `+`, `-`, `@`, a tab or a carriage return) is quoted.
pub fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The headers of a CSV download named `name`; the caller adds the body
/// (whole or streamed).
pub fn download(name: &str) -> HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ));
    res
}

/// A finished writer as a download named `name`.
pub fn response(name: &str, out: csv::Writer<Vec<u8>>) -> Result<HttpResponse, AppError> {
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(download(name).body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_quoted_and_text_is_kept() {
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("+86 20"), "'+86 20");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@x"), "'@x");
        assert_eq!(cell("長者服務"), "長者服務");
        assert_eq!(cell(""), "");
    }
}
