//! Review panels (DESIGN §5): who is on a call's panel, what ties them to
//! organizations, who may never review what, and who reviews what.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel_async::AsyncConnection;
use serde_json::json;

use super::Origin;
use super::audit::{WithChange, event};
use crate::AppState;
use crate::domain::account::EmailAddress;
use crate::domain::application::ApplicationState;
use crate::domain::assignment::{self, Base, Plan};
use crate::domain::award::Outcome;
use crate::domain::call::CallState;
use crate::domain::organization::Jurisdiction;
use crate::domain::scoring::{Recommendation, ReviewState};
use crate::domain::text::{self, Lines};
use crate::email::{self, Email};
use crate::error::{AppError, FormErrors};
use crate::i18n::Lang;
use crate::models::calls::{self, Call};
use crate::models::reviews::{self, Review};
use crate::models::{
    ApplicationId, CallId, Conn, OrganizationId, ReviewId, UserId, audit, organizations, users,
};
use crate::policy::{Actor, Permission, may, may_work_on_review};

fn require(actor: &Actor) -> Result<(), AppError> {
    if may(actor, Permission::ManageReview) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

fn call_title(call: &Call, lang: Lang) -> String {
    call.title_in(lang)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct PanelForm {
    pub email: String,
    pub base: String,
}

pub enum PanelOutcome {
    Added,
    /// No account has that address: an invitation to register went out.
    Invited,
}

/// Puts a user on a call's panel and tells them by email; someone without
/// an account is invited to register.
pub async fn add_panel_member(
    state: &AppState,
    actor: &Actor,
    call_id: CallId,
    form: &PanelForm,
    lang: Lang,
    origin: &Origin,
) -> Result<PanelOutcome, AppError> {
    require(actor)?;
    let mut e = FormErrors::default();
    let email = EmailAddress::parse(&form.email)
        .map_err(|k| e.add("email", k))
        .ok();
    let base = Jurisdiction::from_code(form.base.trim());
    if base.is_none() {
        e.add("base", "err-choice-unknown");
    }
    let (Some(email), Some(base)) = (email, base.filter(|_| e.is_empty())) else {
        return Err(AppError::Invalid(e));
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let call = calls::find(conn, call_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let Some(user) = users::find_by_email(conn, email.as_str()).await? else {
            // No account yet: they join when they verify this address. The
            // invitation goes out in the language the admin is working in.
            if reviews::invite_to_panel(conn, call_id, email.as_str(), base, actor.user_id(), now)
                .await?
            {
                let mail = Email::PanelInvitationNew {
                    call: call_title(&call, lang),
                    link: state.config.link("/register"),
                };
                email::enqueue(conn, now, email.as_str(), lang, &mail).await?;
                audit::insert(
                    conn,
                    &event(
                        now,
                        actor.user_id(),
                        origin,
                        "call.panel_invitation_sent",
                        "call",
                        call_id,
                    )
                    .change(
                        None,
                        Some(json!({ "email": email.as_str(), "base": form.base })),
                    ),
                )
                .await?;
            }
            return Ok(PanelOutcome::Invited);
        };
        if reviews::add_panel_member(conn, call_id, user.id, base, actor.user_id(), now).await? {
            let lang = user.lang;
            let mail = Email::PanelInvitation {
                call: call_title(&call, lang),
                link: state.config.link("/reviewer"),
            };
            email::enqueue(conn, now, &user.email, lang, &mail).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    actor.user_id(),
                    origin,
                    "call.panel_member_added",
                    "call",
                    call_id,
                )
                .change(
                    None,
                    Some(json!({ "reviewer": user.id, "base": form.base })),
                ),
            )
            .await?;
        }
        Ok(PanelOutcome::Added)
    })
    .await
}

/// Someone who verifies an email address joins the panels it was invited to.
pub async fn join_invited_panels(
    conn: &mut Conn,
    user: &crate::models::users::User,
    now: chrono::DateTime<chrono::Utc>,
    origin: &Origin,
) -> Result<(), AppError> {
    for (call, base) in reviews::take_panel_invitations(conn, &user.email, now).await? {
        if reviews::add_panel_member(conn, call, user.id, base, None, now).await? {
            audit::insert(
                conn,
                &event(
                    now,
                    Some(user.id),
                    origin,
                    "call.panel_member_added",
                    "call",
                    call,
                )
                .change(
                    None,
                    Some(json!({ "reviewer": user.id, "base": base, "by_invitation": true })),
                ),
            )
            .await?;
        }
    }
    Ok(())
}

/// Emails each reviewer whose review is due within two days and not yet
/// submitted, once per review however many workers run this.
pub async fn send_review_reminders(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let due = reviews::due_unreminded(&mut conn, now + chrono::Duration::days(2)).await?;
    let mut sent = 0;
    for (id, to, lang, title, due_at) in due {
        let reminded = conn
            .transaction::<_, AppError, _>(async |conn| {
                if !reviews::mark_reminded(conn, id, now).await? {
                    return Ok(false);
                }
                let lang = Lang::parse(&lang).unwrap_or_default();
                let mail = Email::ReviewReminder {
                    title: title.clone(),
                    due: crate::clock::format_bay_area(due_at),
                    link: state.config.link(&format!("/reviews/{id}")),
                };
                email::enqueue(conn, now, &to, lang, &mail).await?;
                audit::insert(
                    conn,
                    &event(
                        now,
                        None,
                        &Origin::default(),
                        "review.reminded",
                        "review",
                        id,
                    ),
                )
                .await?;
                Ok(true)
            })
            .await?;
        sent += usize::from(reminded);
    }
    Ok(sent)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct AffiliationForm {
    pub organization_id: String,
    pub note: String,
}

/// A reviewer declares a tie to an organization: its applications are never theirs.
pub async fn add_affiliation(
    state: &AppState,
    user: UserId,
    form: &AffiliationForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let org: OrganizationId = form
        .organization_id
        .parse()
        .map_err(|_| FormErrors::single("organization_id", "err-choice-unknown"))?;
    let note =
        text::checked(&form.note, 500, Lines::One).map_err(|k| FormErrors::single("note", k))?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        organizations::find(conn, org)
            .await?
            .ok_or_else(|| FormErrors::single("organization_id", "err-choice-unknown"))?;
        if reviews::add_affiliation(conn, user, org, &note, now).await? {
            audit::insert(
                conn,
                &event(
                    now,
                    Some(user),
                    origin,
                    "reviewer.affiliation_added",
                    "user",
                    user,
                )
                .change(None, Some(json!({ "organization": org, "note": note }))),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

pub async fn remove_affiliation(
    state: &AppState,
    user: UserId,
    org: OrganizationId,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        if reviews::remove_affiliation(conn, user, org).await? {
            audit::insert(
                conn,
                &event(
                    now,
                    Some(user),
                    origin,
                    "reviewer.affiliation_removed",
                    "user",
                    user,
                )
                .change(Some(json!({ "organization": org })), None),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

/// Review happens while the call is in review.
fn require_in_review(call: &Call) -> Result<(), AppError> {
    if call.state() == CallState::InReview {
        Ok(())
    } else {
        Err(AppError::Conflict("err-call-not-in-review"))
    }
}

/// Inserts one assignment (after every check) and tells the reviewer.
async fn assign_one(
    state: &AppState,
    conn: &mut Conn,
    call: &Call,
    app: ApplicationId,
    reviewer: UserId,
    actor: &Actor,
    origin: &Origin,
) -> Result<bool, AppError> {
    let now = state.clock.now();
    let days = calls::review_settings(conn, call.id).await?.review_days;
    let due = now + chrono::Duration::days(days.into());
    let Some(review) = reviews::assign(conn, call.id, app, reviewer, Some(due), now).await? else {
        return Ok(false);
    };
    let user = users::find(conn, reviewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = crate::models::applications::find(conn, app)
        .await?
        .map(|a| a.title)
        .unwrap_or_default();
    let lang = user.lang;
    let mail = Email::ReviewAssigned {
        title,
        call: call_title(call, lang),
        link: state.config.link(&format!("/reviews/{review}")),
    };
    email::enqueue(conn, now, &user.email, lang, &mail).await?;
    audit::insert(
        conn,
        &event(
            now,
            actor.user_id(),
            origin,
            "review.assigned",
            "application",
            app,
        )
        .change(
            None,
            Some(json!({ "review": review, "reviewer": reviewer })),
        ),
    )
    .await?;
    Ok(true)
}

/// Assigns a panel member by hand; a conflict is refused whatever the request.
pub async fn assign(
    state: &AppState,
    actor: &Actor,
    call_id: CallId,
    app: ApplicationId,
    reviewer: UserId,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let call = calls::find_for_update(conn, call_id)
            .await?
            .ok_or(AppError::NotFound)?;
        require_in_review(&call)?;
        let apps = reviews::reviewable_applications(conn, call_id).await?;
        if !apps.iter().any(|(id, _)| *id == app) {
            return Err(AppError::NotFound);
        }
        if !reviews::panel(conn, call_id)
            .await?
            .iter()
            .any(|m| m.user_id == reviewer)
        {
            return Err(AppError::NotFound);
        }
        if reviews::conflicted(conn, app).await?.contains(&reviewer) {
            return Err(AppError::Conflict("err-reviewer-conflict"));
        }
        assign_one(state, conn, &call, app, reviewer, actor, origin).await?;
        Ok(())
    })
    .await
}

/// The automatic plan for the call's applications that have no reviewer yet.
pub async fn plan(conn: &mut Conn, call_id: CallId, k: usize, seed: u64) -> Result<Plan, AppError> {
    let panel = reviews::panel(conn, call_id).await?;
    let reviewers: Vec<assignment::Reviewer> = panel
        .iter()
        .map(|m| assignment::Reviewer {
            id: m.user_id.0,
            base: if m.base == Jurisdiction::Mainland {
                Base::Mainland
            } else {
                Base::CrossBorder
            },
        })
        .collect();
    let assigned: HashSet<ApplicationId> = reviews::of_call(conn, call_id)
        .await?
        .iter()
        .filter(|r| r.state != ReviewState::Conflict)
        .map(|r| r.application_id)
        .collect();
    let mut applications = Vec::new();
    for (app, _) in reviews::reviewable_applications(conn, call_id).await? {
        if assigned.contains(&app) {
            continue;
        }
        let conflicts = reviews::conflicted(conn, app)
            .await?
            .into_iter()
            .map(|u| u.0)
            .collect();
        applications.push(assignment::Application {
            id: app.0,
            conflicts,
        });
    }
    Ok(assignment::assign(&reviewers, &applications, k, seed))
}

/// Commits the automatic plan (recomputed here: the same seed gives the
/// same plan the admin previewed, unless something changed meanwhile).
pub async fn auto_assign(
    state: &AppState,
    actor: &Actor,
    call_id: CallId,
    k: usize,
    seed: u64,
    origin: &Origin,
) -> Result<Plan, AppError> {
    require(actor)?;
    if !(1..=10).contains(&k) {
        return Err(FormErrors::single("k", "err-number-invalid"));
    }
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let call = calls::find_for_update(conn, call_id).await?.ok_or(AppError::NotFound)?;
        require_in_review(&call)?;
        let plan = plan(conn, call_id, k, seed).await?;
        for (app, reviewers) in &plan.assignments {
            for r in reviewers {
                assign_one(state, conn, &call, ApplicationId(*app), UserId(*r), actor, origin).await?;
            }
        }
        let now = state.clock.now();
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, "call.auto_assigned", "call", call_id)
                .change(None, Some(json!({ "k": k, "seed": seed, "applications": plan.assignments.len(), "shortfalls": plan.shortfalls.len() }))),
        )
        .await?;
        Ok(plan)
    })
    .await
}

/// The reviewer's own assignment, or 404 for anyone else.
pub async fn own_review(conn: &mut Conn, actor: &Actor, id: ReviewId) -> Result<Review, AppError> {
    let review = reviews::find(conn, id).await?.ok_or(AppError::NotFound)?;
    if may_work_on_review(actor, review.reviewer_id) {
        Ok(review)
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct Declaration {
    pub decision: String,
    pub reason: String,
}

/// Opening an assignment, the reviewer declares no conflict (and may score)
/// or a conflict with a reason (and it goes back to the admin).
pub async fn declare(
    state: &AppState,
    actor: &Actor,
    id: ReviewId,
    form: &Declaration,
    origin: &Origin,
) -> Result<(), AppError> {
    // Someone else's review is 404 before the form is judged.
    own_review(&mut *state.pool.get().await?, actor, id).await?;
    let conflict = match form.decision.as_str() {
        "no_conflict" => false,
        "conflict" => true,
        _ => return Err(AppError::BadRequest),
    };
    let reason = if conflict {
        text::required(&form.reason, 1000, Lines::Many)
    } else {
        Ok(String::new())
    }
    .map_err(|k| FormErrors::single("reason", k))?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        own_review(conn, actor, id).await?;
        let review = reviews::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        // Before reading, either answer; while drafting (having recognised
        // an organization from the content), only a conflict.
        let may_declare = review.state == ReviewState::Assigned
            || (conflict && review.state == ReviewState::Draft);
        if !may_declare {
            return Err(AppError::Conflict("err-review-state"));
        }
        let to = if conflict {
            ReviewState::Conflict
        } else {
            ReviewState::Draft
        };
        reviews::set_state(conn, id, to, &reason, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                if conflict {
                    "review.conflict_declared"
                } else {
                    "review.no_conflict_declared"
                },
                "application",
                review.application_id,
            )
            .change(
                Some(json!({ "review": id, "state": review.state })),
                Some(json!({ "state": to, "reason": reason })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

/// One application of a call with its reviewers and where each stands.
pub struct AssignmentRow {
    pub application: ApplicationId,
    pub title: String,
    /// (review, reviewer's name, review state, conflict reason)
    pub reviewers: Vec<(ReviewId, String, ReviewState, String)>,
}

pub async fn board_of_assignments(
    conn: &mut Conn,
    call_id: CallId,
) -> Result<Vec<AssignmentRow>, AppError> {
    let panel = reviews::panel(conn, call_id).await?;
    let names: BTreeMap<UserId, String> =
        panel.iter().map(|m| (m.user_id, m.name.clone())).collect();
    let all = reviews::of_call(conn, call_id).await?;
    let mut out = Vec::new();
    for (application, title) in reviews::reviewable_applications(conn, call_id).await? {
        let reviewers = all
            .iter()
            .filter(|r| r.application_id == application)
            .map(|r| {
                (
                    r.id,
                    names.get(&r.reviewer_id).cloned().unwrap_or_default(),
                    r.state,
                    r.conflict_reason.clone(),
                )
            })
            .collect();
        out.push(AssignmentRow {
            application,
            title,
            reviewers,
        });
    }
    Ok(out)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ScoreForm {
    pub score: Vec<String>,
    pub comment: Vec<String>,
    pub overall_comment: String,
    pub recommendation: String,
    /// `save` keeps a draft; `submit` locks the review.
    pub action: String,
}

impl ScoreForm {
    /// `Some(true)` to submit, `Some(false)` to keep a draft, `None` for anything else.
    pub fn submits(&self) -> Option<bool> {
        match self.action.as_str() {
            "save" => Some(false),
            "submit" => Some(true),
            _ => None,
        }
    }
}

/// The rubric of the call an application belongs to, as the scoring needs it.
pub async fn rubric(
    conn: &mut Conn,
    call: CallId,
) -> Result<Vec<crate::domain::call::Criterion>, AppError> {
    Ok(calls::criteria(conn, call).await?)
}

/// Saves the reviewer's scores; submitting needs every score and a
/// recommendation, and locks the review.
pub async fn save_scores(
    state: &AppState,
    actor: &Actor,
    id: ReviewId,
    form: &ScoreForm,
    origin: &Origin,
) -> Result<(), AppError> {
    own_review(&mut *state.pool.get().await?, actor, id).await?;
    let submit = form.submits().ok_or(AppError::BadRequest)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        own_review(conn, actor, id).await?;
        let review = reviews::find_for_update(conn, id).await?.ok_or(AppError::NotFound)?;
        if review.state != ReviewState::Draft {
            return Err(AppError::Conflict("err-review-state"));
        }
        let criteria = rubric(conn, review.call_id).await?;
        let mut e = FormErrors::default();
        let mut scores = Vec::new();
        for (i, criterion) in criteria.iter().enumerate() {
            let field = SCORE_FIELDS.get(i).copied().unwrap_or("score");
            let raw = form.score.get(i).map(String::as_str).unwrap_or("");
            let comment = text::checked(form.comment.get(i).map(String::as_str).unwrap_or(""), 4000, Lines::Many).map_err(|k| e.add(field, k)).unwrap_or_default();
            if raw.trim().is_empty() && !submit {
                continue;
            }
            let limits = crate::domain::scoring::Criterion { weight: criterion.weight, max_score: criterion.max_score };
            match crate::domain::scoring::parse_score(raw, &limits) {
                Ok(score) => scores.push((i as i32 + 1, score, comment)),
                Err(k) => e.add(field, k),
            }
        }
        let overall = text::checked(&form.overall_comment, 8000, Lines::Many).map_err(|k| e.add("overall_comment", k)).unwrap_or_default();
        let recommendation = match form.recommendation.as_str() {
            "" if !submit => None,
            code => {
                let r = Recommendation::from_code(code);
                if r.is_none() {
                    e.add("recommendation", "err-choice-unknown");
                }
                r
            }
        };
        e.into_result()?;
        reviews::save(conn, id, &scores, &overall, recommendation, submit.then_some(now), now).await?;
        if submit {
            audit::insert(conn, &event(now, actor.user_id(), origin, "review.submitted", "application", review.application_id).change(None, Some(json!({ "review": id, "scores": scores.iter().map(|s| s.1).collect::<Vec<_>>(), "recommendation": recommendation })))).await?;
        } else {
            audit::insert(conn, &event(now, actor.user_id(), origin, "review.draft_saved", "application", review.application_id).change(None, Some(json!({ "review": id })))).await?;
        }
        Ok(())
    })
    .await
}

const SCORE_FIELDS: [&str; 10] = [
    "score-1", "score-2", "score-3", "score-4", "score-5", "score-6", "score-7", "score-8",
    "score-9", "score-10",
];

/// An admin reopens a submitted review so that its reviewer can change it.
pub async fn reopen(
    state: &AppState,
    actor: &Actor,
    id: ReviewId,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let review = reviews::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if review.state != ReviewState::Submitted {
            return Err(AppError::Conflict("err-review-state"));
        }
        reviews::set_state(conn, id, ReviewState::Draft, &review.conflict_reason, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "review.reopened",
                "application",
                review.application_id,
            )
            .change(
                Some(json!({ "review": id, "state": "submitted" })),
                Some(json!({ "state": "draft" })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

// ---- the ranking board

/// One application on the board.
pub struct RankRow {
    pub application: ApplicationId,
    pub title: String,
    pub request: rust_decimal::Decimal,
    pub reviews: usize,
    pub mean: f64,
    pub spread: f64,
    pub calibrated: f64,
    pub discuss: bool,
    /// Scores of the call's other components, by position (0–100).
    pub components: Vec<Option<rust_decimal::Decimal>>,
    /// The weighted final score, once every component has a score.
    pub final_score: Option<f64>,
    /// The recorded decision (award, decline, waitlist), if any.
    pub decision: Option<Outcome>,
    /// The application's state.
    pub state: ApplicationState,
    /// Inside the funding line: cumulative requests, in this order, fit the budget.
    pub funded: bool,
}

/// One submitted review, for the per-review export.
pub struct ReviewRow {
    pub review: ReviewId,
    pub application: ApplicationId,
    pub reviewer: UserId,
    pub scores: Vec<i32>,
    pub weighted: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RankBy {
    Final,
    Calibrated,
    Mean,
}

impl RankBy {
    pub fn code(self) -> &'static str {
        match self {
            RankBy::Final => "final",
            RankBy::Calibrated => "calibrated",
            RankBy::Mean => "mean",
        }
    }

    pub fn from_code(code: &str) -> Self {
        match code {
            "final" => RankBy::Final,
            "mean" => RankBy::Mean,
            _ => RankBy::Calibrated,
        }
    }
}

/// Aggregates the call's submitted reviews (DESIGN §5) and ranks them.
pub async fn ranking(
    conn: &mut Conn,
    call_id: CallId,
    by: RankBy,
) -> Result<(Vec<RankRow>, Vec<ReviewRow>), AppError> {
    use crate::domain::scoring;
    let call = calls::find(conn, call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let rubric: Vec<scoring::Criterion> = rubric(conn, call_id)
        .await?
        .iter()
        .map(|k| scoring::Criterion {
            weight: k.weight,
            max_score: k.max_score,
        })
        .collect();
    let mut per_review: BTreeMap<ReviewId, ReviewRow> = BTreeMap::new();
    for (review, application, reviewer, position, score) in
        reviews::submitted_scores(conn, call_id).await?
    {
        let row = per_review.entry(review).or_insert_with(|| ReviewRow {
            review,
            application,
            reviewer,
            scores: vec![0; rubric.len()],
            weighted: 0.0,
        });
        if let Some(slot) = row.scores.get_mut((position - 1).max(0) as usize) {
            *slot = score;
        }
    }
    let review_rows: Vec<ReviewRow> = per_review
        .into_values()
        .map(|mut r| {
            r.weighted = scoring::weighted(&rubric, &r.scores);
            r
        })
        .collect();
    let aggregate = scoring::aggregate(
        &review_rows
            .iter()
            .map(|r| scoring::Review {
                reviewer: r.reviewer,
                application: r.application,
                weighted: r.weighted,
            })
            .collect::<Vec<_>>(),
    );
    let settings = calls::review_settings(conn, call_id).await?;
    let requests = crate::models::applications::grant_requests(conn, call_id).await?;
    let mut component_scores: BTreeMap<ApplicationId, Vec<Option<rust_decimal::Decimal>>> =
        BTreeMap::new();
    for (app, position, score) in
        crate::models::decisions::component_scores_of_call(conn, call_id).await?
    {
        let slots = component_scores
            .entry(app)
            .or_insert_with(|| vec![None; settings.components.len()]);
        if let Some(slot) = slots.get_mut((position - 1).max(0) as usize) {
            *slot = Some(score);
        }
    }
    let decisions: BTreeMap<ApplicationId, Outcome> =
        crate::models::decisions::of_call(conn, call_id)
            .await?
            .into_iter()
            .map(|d| (d.application_id, d.outcome))
            .collect();
    let mut rows = Vec::new();
    for (application, title, state) in reviews::reviewable_with_state(conn, call_id).await? {
        let score = aggregate.get(&application);
        let calibrated = score.map_or(0.0, |s| s.calibrated);
        let components = component_scores
            .remove(&application)
            .unwrap_or_else(|| vec![None; settings.components.len()]);
        let final_score = crate::domain::scoring::final_score(
            &settings,
            score.map(|s| s.calibrated),
            &components,
        );
        rows.push(RankRow {
            application,
            title,
            request: requests.get(&application).copied().unwrap_or_default(),
            reviews: score.map_or(0, |s| s.reviews),
            mean: score.map_or(0.0, |s| s.mean),
            spread: score.map_or(0.0, |s| s.spread),
            calibrated,
            discuss: score.is_some_and(|s| s.discuss),
            components,
            final_score,
            decision: decisions.get(&application).copied(),
            state,
            funded: false,
        });
    }
    // An application with no final score yet (its component scores are not
    // entered) is placed by its calibrated score, the best it has.
    let key = |r: &RankRow| match by {
        RankBy::Final => r.final_score.unwrap_or(r.calibrated),
        RankBy::Calibrated => r.calibrated,
        RankBy::Mean => r.mean,
    };
    rows.sort_by(|a, b| {
        key(b)
            .total_cmp(&key(a))
            .then(a.application.cmp(&b.application))
    });
    // The funding line: down the ranking while the requests still fit the budget.
    let mut cumulative = rust_decimal::Decimal::ZERO;
    for row in rows.iter_mut() {
        if row.reviews == 0 {
            break;
        }
        cumulative += row.request;
        if cumulative > call.budget {
            break;
        }
        row.funded = true;
    }
    Ok((rows, review_rows))
}

/// A computed ranking: the board's rows and the submitted reviews.
pub type Ranking = (Vec<RankRow>, Vec<ReviewRow>);

/// Applications under review without a decision, from a ranking: what
/// `decisions::undecided` counts, without reading the call again.
pub fn undecided(ranking: &Ranking) -> i64 {
    ranking
        .0
        .iter()
        .filter(|r| r.state == ApplicationState::UnderReview && r.decision.is_none())
        .count() as i64
}

/// Rankings computed per (call, order) and the call's review version they
/// were computed at. A ranking reads every submitted score of the call, so
/// it is computed once per change rather than once per page view; the
/// version (bumped by the database with every change that can move the
/// ranking) makes a stale entry impossible to serve, in any process.
#[derive(Default)]
pub struct RankingCache {
    entries: std::sync::Mutex<HashMap<(CallId, RankBy), Cached>>,
}

/// A ranking and the review version it was computed at.
type Cached = (i64, std::sync::Arc<Ranking>);

/// Calls whose rankings are kept at once; past it, the cache starts over.
const CACHED_RANKINGS: usize = 64;

impl RankingCache {
    fn get(&self, key: (CallId, RankBy), version: i64) -> Option<std::sync::Arc<Ranking>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(&key)
            .filter(|(v, _)| *v == version)
            .map(|(_, r)| r.clone())
    }

    fn put(&self, key: (CallId, RankBy), version: i64, ranking: std::sync::Arc<Ranking>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CACHED_RANKINGS && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (version, ranking));
    }
}

/// The ranking at the call's current review version, computed only if the
/// cache does not hold it.
pub async fn ranking_cached(
    cache: &RankingCache,
    conn: &mut Conn,
    call_id: CallId,
    by: RankBy,
) -> Result<std::sync::Arc<Ranking>, AppError> {
    let version = calls::review_version(conn, call_id).await?;
    ranking_at(cache, conn, call_id, by, version).await
}

/// The ranking at `version`, the call's review version the caller has just
/// read, computed only if the cache does not hold it.
pub async fn ranking_at(
    cache: &RankingCache,
    conn: &mut Conn,
    call_id: CallId,
    by: RankBy,
    version: i64,
) -> Result<std::sync::Arc<Ranking>, AppError> {
    if let Some(hit) = cache.get((call_id, by), version) {
        return Ok(hit);
    }
    let fresh = std::sync::Arc::new(ranking(conn, call_id, by).await?);
    cache.put((call_id, by), version, fresh.clone());
    Ok(fresh)
}

/// The other submitted reviews of the same application, as (weighted score,
/// recommendation), for a reviewer who has submitted their own.
pub async fn peer_scores(
    conn: &mut Conn,
    own: &Review,
) -> Result<Vec<(f64, Option<Recommendation>)>, AppError> {
    use crate::domain::scoring;
    if own.state != ReviewState::Submitted {
        return Ok(Vec::new());
    }
    let rubric: Vec<scoring::Criterion> = rubric(conn, own.call_id)
        .await?
        .iter()
        .map(|k| scoring::Criterion {
            weight: k.weight,
            max_score: k.max_score,
        })
        .collect();
    let others: Vec<_> = reviews::submitted_of_application(conn, own.application_id)
        .await?
        .into_iter()
        .filter(|r| r.0 != own.id)
        .collect();
    let ids: Vec<_> = others.iter().map(|r| r.0).collect();
    let all = reviews::scores_of(conn, &ids).await?;
    let mut out = Vec::new();
    for (id, _, _, recommendation) in others {
        let mut scores = vec![0; rubric.len()];
        for (_, s) in all.iter().filter(|(r, _)| *r == id) {
            if let Some(slot) = scores.get_mut((s.position - 1).max(0) as usize) {
                *slot = s.score;
            }
        }
        out.push((scoring::weighted(&rubric, &scores), recommendation));
    }
    Ok(out)
}
