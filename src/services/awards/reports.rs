//! Progress reports.

use super::*;

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub narrative: String,
    pub targets: String,
    /// One amount per budget category, in `Category::ALL` order.
    pub spent: Vec<String>,
}

/// The grantee reports on milestone `position`; the last one is the final report.
pub async fn submit_report(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    position: i32,
    form: &ReportForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let award = access(
        &mut *state.pool.get().await?,
        actor,
        id,
        AwardAction::Report,
    )
    .await?;
    let currency = Some(award.currency);
    let mut e = FormErrors::default();
    let narrative = text::required(&form.narrative, 20_000, Lines::Many)
        .map_err(|k| e.add("narrative", k))
        .unwrap_or_default();
    let targets = text::required(&form.targets, 20_000, Lines::Many)
        .map_err(|k| e.add("targets", k))
        .unwrap_or_default();
    let mut spent = serde_json::Map::new();
    for (i, category) in Category::ALL.iter().enumerate() {
        let raw = form.spent.get(i).map(String::as_str).unwrap_or("").trim();
        if raw.is_empty() {
            continue;
        }
        match parse_amount_in(raw, currency) {
            Ok(a) => {
                spent.insert(category.code().to_string(), json!(a));
            }
            Err(k) => e.add("spent", k),
        }
    }
    e.into_result()?;
    let user = actor.user_id().ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let award = access(conn, actor, id, AwardAction::Report).await?;
        if award.state != AwardState::Active {
            return Err(AppError::Conflict("err-award-not-active"));
        }
        let tranches = awards::tranches(conn, id).await?;
        if !tranches.iter().any(|t| t.position == position) {
            return Err(AppError::NotFound);
        }
        let is_final = tranches.last().is_some_and(|t| t.position == position);
        // Reports come in milestone order.
        let so_far = report_facts(&awards::reports(conn, id).await?);
        if !rules::report_in_order(position, &so_far) {
            return Err(AppError::Conflict("err-report-order"));
        }
        let expenditure = serde_json::Value::Object(spent.clone());
        let report = awards::NewReport {
            award: id,
            position,
            is_final,
            narrative: &narrative,
            targets: &targets,
            expenditure: &expenditure,
            by: user,
        };
        if !awards::submit_report(conn, &report, now).await? {
            return Err(AppError::Conflict("err-report-exists"));
        }
        audit::insert(
            conn,
            &event(now, Some(user), origin, "report.submitted", "award", id).change(
                None,
                Some(
                    json!({ "milestone": position, "final": is_final, "expenditure": expenditure }),
                ),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ReportReview {
    pub decision: String,
    pub comment: String,
}

/// An admin approves a report or returns it with comments. Approving the
/// final report closes the award and decommits what is unspent.
pub async fn review_report(
    state: &AppState,
    actor: &Actor,
    report: i64,
    form: &ReportReview,
    origin: &Origin,
) -> Result<AwardId, AppError> {
    if !may(actor, Permission::ManageAwards) {
        return Err(AppError::NotFound);
    }
    let approve = match form.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(AppError::BadRequest),
    };
    let comment = if approve {
        text::checked(&form.comment, 4000, Lines::Many)
    } else {
        text::required(&form.comment, 4000, Lines::Many)
    }
    .map_err(|k| FormErrors::single("comment", k))?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let award_id = awards::report_award(conn, report)
            .await?
            .ok_or(AppError::NotFound)?;
        let fund = awards::find(conn, award_id)
            .await?
            .ok_or(AppError::NotFound)?
            .fund_id;
        ledger::lock_fund(conn, fund).await?;
        let r = awards::find_report(conn, report)
            .await?
            .ok_or(AppError::NotFound)?;
        let award = awards::find_for_update(conn, r.award_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let to = if approve {
            ReportState::Approved
        } else {
            ReportState::Returned
        };
        if !awards::review_report(conn, report, to, &comment, actor.user_id(), now).await? {
            return Err(AppError::Conflict("err-report-state"));
        }
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                if approve {
                    "report.approved"
                } else {
                    "report.returned"
                },
                "award",
                award.id,
            )
            .change(
                Some(json!({ "milestone": r.position, "state": "submitted" })),
                Some(json!({ "state": to, "comment": comment })),
            ),
        )
        .await?;
        let event_code = if approve {
            "report_approved"
        } else {
            "report_returned"
        };
        tell_grantee(
            state,
            conn,
            &award,
            event_code,
            String::new(),
            &comment,
            now,
        )
        .await?;
        if approve && r.is_final && award.state == AwardState::Active {
            if awards::pending_for_award(conn, award.id).await? > 0 {
                return Err(AppError::Conflict("err-payments-pending"));
            }
            // Closing must not take back what the grantee has earned: every
            // earlier report approved and every tranche paid first.
            let reports = awards::reports(conn, award.id).await?;
            let payments = awards::payments(conn, award.id).await?;
            let tranches = awards::tranches(conn, award.id).await?;
            let earlier_approved = tranches
                .iter()
                .filter(|t| t.position < r.position)
                .all(|t| {
                    reports
                        .iter()
                        .any(|x| x.position == t.position && x.state == ReportState::Approved)
                });
            let all_paid = tranches.iter().all(|t| {
                payments
                    .iter()
                    .any(|p| p.tranche_id == Some(t.id) && p.state == Approval::Approved)
            });
            if !earlier_approved || !all_paid {
                return Err(AppError::Conflict("err-award-not-complete"));
            }
            if crate::models::calls::review_settings(conn, award.call_id)
                .await?
                .evaluations
                && awards::evaluations(conn, award.id).await?.len() < 2
            {
                return Err(AppError::Conflict("err-evaluations-missing"));
            }
            awards::set_state(conn, award.id, AwardState::Active, AwardState::Closed, now).await?;
            let rest = decommit_rest(conn, &award, "award closed", actor.user_id(), now).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    actor.user_id(),
                    origin,
                    "award.closed",
                    "award",
                    award.id,
                )
                .change(
                    Some(json!({ "state": "active" })),
                    Some(json!({ "state": "closed", "decommitted": rest })),
                ),
            )
            .await?;
            tell_grantee(state, conn, &award, "closed", money(&award, rest), "", now).await?;
        }
        Ok(award.id)
    })
    .await
}

/// The report at `position` if `actor` may add files to it: the grantee's,
/// while it is not approved.
pub(super) async fn report_taking_files(
    conn: &mut Conn,
    actor: &Actor,
    id: AwardId,
    position: i32,
) -> Result<awards::Report, AppError> {
    access(conn, actor, id, AwardAction::Report).await?;
    let report = awards::reports(conn, id)
        .await?
        .into_iter()
        .find(|r| r.position == position)
        .ok_or(AppError::NotFound)?;
    if report.state == ReportState::Approved {
        return Err(AppError::Conflict("err-report-state"));
    }
    Ok(report)
}

/// Whether `actor` may add a file to the report now: asked before an
/// upload's body is read (and again when the file is stored).
pub async fn may_add_report_attachment(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    position: i32,
) -> Result<(), AppError> {
    let mut conn = state.pool.get().await?;
    report_taking_files(&mut conn, actor, id, position)
        .await
        .map(drop)
}

/// The grantee adds a file to a report that is waiting for review or was
/// returned; checked by content like application attachments.
pub async fn add_report_attachment(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    position: i32,
    filename: &str,
    data: Vec<u8>,
    origin: &Origin,
) -> Result<(), AppError> {
    let file = crate::services::applications::check_file(filename, &data)?;
    let by = actor.user_id().ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let report = report_taking_files(conn, actor, id, position).await?;
        let a = awards::add_report_attachment(
            conn,
            report.id,
            &awards::NewFile { name: &file.name, content_type: file.content_type, data: &data, sha256: &file.sha256 },
            by,
            now,
        ).await?;
        audit::insert(
            conn,
            &event(now, Some(by), origin, "report.attachment_added", "award", id)
                .change(None, Some(json!({ "milestone": position, "attachment": a, "name": file.name, "bytes": data.len() }))),
        )
        .await?;
        Ok(())
    })
    .await
}
