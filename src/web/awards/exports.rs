//! The ledger and payment exports (CSV), streamed in batches from one snapshot.

use super::*;
use crate::web::csv;

/// Postings per database round trip of a streamed ledger export.
pub(super) const EXPORT_BATCH: i64 = 2_000;

/// A pooled connection holding the read-only snapshot an export reads
/// from. If the download stops early, the connection is closed rather than
/// put back into the pool with its transaction open.
pub(super) struct Snapshot {
    conn: Option<crate::db::PooledConn>,
    finished: bool,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        if !self.finished
            && let Some(conn) = self.conn.take()
        {
            drop(diesel_async::pooled_connection::deadpool::Object::take(
                conn,
            ));
        }
    }
}

/// The ledger as CSV, one line per posting, streamed in batches so that
/// memory stays flat however long the ledger is. Every batch reads the same
/// snapshot (one REPEATABLE READ transaction), so an entry committed during
/// the download is either wholly in it or wholly out. `whole`: every fund,
/// with posting and fund columns; otherwise one fund, in the per-fund layout.
pub(super) fn ledger_stream(
    state: AppState,
    fund: Option<FundId>,
) -> impl futures_util::Stream<Item = Result<actix_web::web::Bytes, AppError>> {
    let whole = fund.is_none();
    let header: &'static [u8] = if whole {
        b"\xEF\xBB\xBFposting,entry,created_at,kind,fund,award,account,amount,currency,memo\n"
    } else {
        b"\xEF\xBB\xBFentry,created_at,kind,award,account,amount,currency,memo\n"
    };
    debug_assert!(header.starts_with(csv::BOM));
    let header =
        futures_util::stream::once(async move { Ok(actix_web::web::Bytes::from_static(header)) });
    let start = Snapshot {
        conn: None,
        finished: false,
    };
    let pages =
        futures_util::stream::try_unfold((start, Some(0i64)), move |(mut snapshot, after)| {
            let state = state.clone();
            async move {
                let Some(after) = after else {
                    return Ok(None);
                };
                if snapshot.conn.is_none() {
                    let mut conn = state.pool.get().await?;
                    ledger::begin_export_snapshot(&mut conn).await?;
                    snapshot.conn = Some(conn);
                }
                let conn = snapshot.conn.as_mut().ok_or(AppError::NotFound)?;
                let rows = ledger::export_page(conn, fund, after, EXPORT_BATCH).await?;
                let last = rows.last().map(|r| r.posting);
                if (rows.len() as i64) < EXPORT_BATCH {
                    ledger::end_export_snapshot(conn).await?;
                    snapshot.finished = true;
                }
                if rows.is_empty() {
                    return Ok(None);
                }
                let next = if snapshot.finished { None } else { last };
                let mut out = ::csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::with_capacity(rows.len() * 96));
                for r in rows {
                    let mut record = Vec::with_capacity(10);
                    if whole {
                        record.push(r.posting.to_string());
                    }
                    record.push(r.entry.to_string());
                    record.push(crate::clock::bay_area_rfc3339(r.created_at));
                    record.push(r.kind.to_string());
                    if whole {
                        record.push(r.fund.to_string());
                    }
                    record.push(r.award_id.map(|a| a.to_string()).unwrap_or_default());
                    record.push(r.account.to_string());
                    record.push(r.amount.to_string());
                    record.push(r.currency.to_string());
                    record.push(csv::cell(&r.memo));
                    out.write_record(&record).map_err(csv::error)?;
                }
                let bytes = out
                    .into_inner()
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
                Ok(Some((actix_web::web::Bytes::from(bytes), (snapshot, next))))
            }
        });
    futures_util::StreamExt::chain(header, pages)
}

/// Every posting of the fund, one line each.
pub async fn ledger_csv(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ViewMoney)?;
    let fund: FundId = id(&path)?;
    let mut conn = state.pool.get().await?;
    funds::find(&mut conn, fund)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    Ok(csv::download(&format!("fund-{fund}-ledger.csv"))
        .streaming(ledger_stream(state.get_ref().clone(), Some(fund))))
}

/// Every posting of every fund, each in its fund's currency.
pub async fn whole_ledger_csv(
    ctx: Ctx,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ViewMoney)?;
    Ok(csv::download("ledger.csv").streaming(ledger_stream(state.get_ref().clone(), None)))
}

pub async fn payments_csv(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ViewMoney)?;
    let fund: FundId = id(&path)?;
    let mut conn = state.pool.get().await?;
    let f = funds::find(&mut conn, fund)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut out = csv::writer();
    out.write_record([
        "payment",
        "award",
        "kind",
        "amount",
        "currency",
        "payee_currency",
        "rate",
        "amount_sent",
        "reference",
        "approved_at",
        "requested_by",
        "requested_by_name",
        "approved_by",
        "approved_by_name",
    ])
    .map_err(csv::error)?;
    let payments = awards::fund_payments(&mut conn, fund).await?;
    let people: Vec<crate::models::UserId> = payments
        .iter()
        .flat_map(|p| std::iter::once(p.requested_by).chain(p.decided_by))
        .collect();
    let names = crate::models::users::names(&mut conn, &people).await?;
    let name = |u: &crate::models::UserId| csv::cell(names.get(u).map_or("", String::as_str));
    for p in payments {
        out.write_record([
            p.id.to_string(),
            p.award_id.to_string(),
            p.kind.to_string(),
            p.amount.to_string(),
            f.currency.to_string(),
            p.payee_currency.map(|c| c.to_string()).unwrap_or_default(),
            p.rate
                .map(|r| r.normalize().to_string())
                .unwrap_or_default(),
            p.amount_sent.map(|a| a.to_string()).unwrap_or_default(),
            csv::cell(&p.reference.unwrap_or_default()),
            p.decided_at
                .map(crate::clock::bay_area_rfc3339)
                .unwrap_or_default(),
            p.requested_by.to_string(),
            name(&p.requested_by),
            p.decided_by.map(|u| u.to_string()).unwrap_or_default(),
            p.decided_by.as_ref().map(name).unwrap_or_default(),
        ])
        .map_err(csv::error)?;
    }
    csv::response(&format!("fund-{fund}-payments.csv"), out)
}
