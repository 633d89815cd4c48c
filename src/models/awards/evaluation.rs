//! Evaluations.

use super::*;

/// Records an evaluation; `false` if one of that kind exists already.
pub async fn record_evaluation(
    conn: &mut Conn,
    award: AwardId,
    kind: EvaluationKind,
    rating: i32,
    summary: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    use crate::db::schema::evaluations as ev;
    diesel::insert_into(ev::table)
        .values((
            ev::award_id.eq(award),
            ev::kind.eq(kind),
            ev::rating.eq(rating),
            ev::summary.eq(summary),
            ev::recorded_by.eq(by),
            ev::recorded_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// (kind, rating, summary, recorded at), mid-term first.
pub async fn evaluations(
    conn: &mut impl Reader,
    award: AwardId,
) -> QueryResult<Vec<(EvaluationKind, i32, String, DateTime<Utc>)>> {
    use crate::db::schema::evaluations as ev;
    ev::table
        .filter(ev::award_id.eq(award))
        .select((ev::kind, ev::rating, ev::summary, ev::recorded_at))
        .order(ev::kind.desc())
        .load(conn)
        .await
}

/// The tranches of these awards, each award's in order.
pub async fn tranches_of(conn: &mut impl Reader, ids: &[AwardId]) -> QueryResult<Vec<Tranche>> {
    tranches::table
        .filter(tranches::award_id.eq_any(ids.to_vec()))
        .select(Tranche::as_select())
        .order((tranches::award_id, tranches::position))
        .load(conn)
        .await
}

/// Every tranche, payment request and report of these awards, in three
/// queries (for the applicant's dashboard).
pub async fn schedule_of(
    conn: &Conn,
    ids: &[AwardId],
) -> QueryResult<(Vec<Tranche>, Vec<Payment>, Vec<Report>)> {
    let ids = ids.to_vec();
    // Pipelined: the three reads go out together.
    let (mut a, mut b, mut c) = (conn, conn, conn);
    tokio::try_join!(
        tranches_of(&mut a, &ids),
        payment_requests::table
            .filter(payment_requests::award_id.eq_any(&ids))
            .select(Payment::as_select())
            .load(&mut b),
        progress_reports::table
            .filter(progress_reports::award_id.eq_any(&ids))
            .select(Report::as_select())
            .load(&mut c),
    )
}

/// What the rules need to find the next tranche of these awards: their
/// tranches, and of their payment requests and reports only the award, the
/// tranche or milestone, and the state (the fund dashboard decoded whole
/// reports, narratives and all, to learn those).
pub async fn schedule_facts_of(
    conn: &Conn,
    ids: &[AwardId],
) -> QueryResult<(
    Vec<Tranche>,
    Vec<(AwardId, crate::domain::award::PaymentFact)>,
    Vec<(AwardId, crate::domain::award::ReportFact)>,
)> {
    use crate::domain::award::{PaymentFact, ReportFact, Transfer};
    let ids = ids.to_vec();
    let (mut a, mut b, mut c) = (conn, conn, conn);
    let (tranches, payments, reports) = tokio::try_join!(
        tranches_of(&mut a, &ids),
        payment_requests::table
            .filter(payment_requests::award_id.eq_any(&ids))
            .select((
                payment_requests::award_id,
                payment_requests::tranche_id,
                payment_requests::state,
                payment_requests::transfer,
            ))
            .load::<(AwardId, Option<i64>, Approval, Option<Transfer>)>(&mut b),
        progress_reports::table
            .filter(progress_reports::award_id.eq_any(&ids))
            .select((
                progress_reports::award_id,
                progress_reports::position,
                progress_reports::state,
            ))
            .load::<(AwardId, i32, ReportState)>(&mut c),
    )?;
    Ok((
        tranches,
        payments
            .into_iter()
            .map(|(award, tranche, state, transfer)| {
                let returned = transfer == Some(Transfer::Returned);
                (
                    award,
                    PaymentFact {
                        tranche,
                        state,
                        returned,
                    },
                )
            })
            .collect(),
        reports
            .into_iter()
            .map(|(award, position, state)| (award, ReportFact { position, state }))
            .collect(),
    ))
}

/// Offers whose acceptance period ends before `until`.
pub async fn offers_ending_before(
    conn: &mut Conn,
    until: DateTime<Utc>,
) -> QueryResult<Vec<AwardId>> {
    awards::table
        .filter(awards::state.eq(AwardState::Offered))
        .filter(awards::accept_by.lt(until))
        .select(awards::id)
        .load(conn)
        .await
}
