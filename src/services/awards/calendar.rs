//! The report calendar.

use super::*;

/// When the report on a milestone is due: its month after acceptance.
pub fn report_due(award: &Award, month_due: i32) -> Option<DateTime<Utc>> {
    rules::report_due(award.accepted_at, month_due)
}

/// A report not yet submitted (or returned) and its due date.
pub struct DueReport {
    pub award: AwardId,
    pub title: String,
    pub position: i32,
    pub due: DateTime<Utc>,
}

/// Reports of active awards that are not in (a returned one counts as
/// not in) due before `before` (`None`: all of them), by due date; at most
/// `limit`. Read from the kept `reports_due` rows, so the work grows with
/// the reports listed, not with the awards.
pub async fn reports_outstanding(
    conn: &mut impl crate::models::Reader,
    before: Option<DateTime<Utc>>,
    limit: Option<i64>,
) -> diesel::QueryResult<Vec<DueReport>> {
    Ok(awards::due_before(conn, before, limit)
        .await?
        .into_iter()
        .map(|(award, title, position, due)| DueReport {
            award,
            title,
            position,
            due,
        })
        .collect())
}

/// The reports of one award that are not in (a returned one counts as not
/// in), with their due dates, milestone by milestone.
pub fn outstanding_reports_of(
    award: &Award,
    title: &str,
    tranches: &[awards::Tranche],
    reports: &[awards::Report],
) -> Vec<DueReport> {
    let milestones: Vec<(i32, i32)> = tranches.iter().map(|t| (t.position, t.month_due)).collect();
    rules::outstanding_reports(award.accepted_at, &milestones, &report_facts(reports))
        .into_iter()
        .map(|(position, due)| DueReport {
            award: award.id,
            title: title.to_string(),
            position,
            due,
        })
        .collect()
}

pub const REPORT_REMINDER_BEFORE: Duration = Duration::days(14);

/// Reminds grantees two weeks before a report is due and warns them once it
/// is overdue; each once per report, however many workers run this.
pub async fn remind_reports(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let mut sent = 0;
    for r in reports_outstanding(&mut conn, Some(now + REPORT_REMINDER_BEFORE), None).await? {
        let (job, what) = if r.due < now {
            (Job::ReportOverdue, "report_overdue")
        } else {
            (Job::ReportReminder, "report_due")
        };
        let key = format!("{}:{}", r.award, r.position);
        let done = conn
            .transaction::<_, AppError, _>(async |conn| {
                if !job_runs::claim(conn, job, &key, now).await? {
                    return Ok(false);
                }
                let award = awards::find(conn, r.award)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let detail = crate::clock::format_bay_area(r.due);
                tell_grantee(state, conn, &award, what, String::new(), &detail, now).await?;
                let action = if job == Job::ReportOverdue {
                    "report.overdue_warned"
                } else {
                    "report.reminded"
                };
                audit::insert(
                    conn,
                    &event(now, None, &Origin::default(), action, "award", r.award)
                        .change(None, Some(json!({ "milestone": r.position }))),
                )
                .await?;
                Ok(true)
            })
            .await?;
        sent += usize::from(done);
    }
    Ok(sent)
}
