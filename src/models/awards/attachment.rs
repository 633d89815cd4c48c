//! Report attachments.

use super::*;

pub struct NewFile<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
    pub sha256: &'a [u8],
}

pub async fn add_report_attachment(
    conn: &mut Conn,
    report: i64,
    f: &NewFile<'_>,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    use crate::db::schema::report_attachments as ra;
    diesel::insert_into(ra::table)
        .values((
            ra::report_id.eq(report),
            ra::filename.eq(f.name),
            ra::content_type.eq(f.content_type),
            ra::size_bytes.eq(f.data.len() as i32),
            ra::sha256.eq(f.sha256),
            ra::data.eq(f.data),
            ra::uploaded_by.eq(by),
            ra::uploaded_at.eq(now),
        ))
        .returning(ra::id)
        .get_result(conn)
        .await
}

/// (attachment, report, file name) of every report of an award.
pub async fn report_attachments(
    conn: &mut impl Reader,
    award: AwardId,
) -> QueryResult<Vec<(i64, i64, String)>> {
    use crate::db::schema::report_attachments as ra;
    ra::table
        .inner_join(progress_reports::table)
        .filter(progress_reports::award_id.eq(award))
        .select((ra::id, ra::report_id, ra::filename))
        .order(ra::id)
        .load(conn)
        .await
}

/// The file, if it belongs to a report of this award.
pub async fn report_attachment_data(
    conn: &mut Conn,
    award: AwardId,
    id: i64,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    use crate::db::schema::report_attachments as ra;
    ra::table
        .inner_join(progress_reports::table)
        .filter(progress_reports::award_id.eq(award))
        .filter(ra::id.eq(id))
        .select((ra::filename, ra::content_type, ra::data))
        .first(conn)
        .await
        .optional()
}
