// @generated automatically by Diesel CLI.

diesel::table! {
    application_partners (application_id, organization_id) {
        application_id -> Int8,
        organization_id -> Int8,
        status -> Text,
        role -> Text,
        contribution -> Text,
        invited_at -> Timestamptz,
        responded_at -> Nullable<Timestamptz>,
        responded_by -> Nullable<Int8>,
    }
}

diesel::table! {
    application_snapshots (id) {
        id -> Int8,
        application_id -> Int8,
        taken_at -> Timestamptz,
        content -> Jsonb,
    }
}

diesel::table! {
    applications (id) {
        id -> Int8,
        call_id -> Int8,
        lead_org_id -> Int8,
        state -> Text,
        title -> Text,
        summary -> Text,
        need -> Text,
        approach -> Text,
        outcomes -> Text,
        beneficiaries -> Text,
        duration_months -> Nullable<Int4>,
        focus -> Array<Nullable<Text>>,
        declaration -> Bool,
        created_by -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        submitted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    attachments (id) {
        id -> Int8,
        application_id -> Int8,
        filename -> Text,
        content_type -> Text,
        size_bytes -> Int4,
        sha256 -> Bytea,
        data -> Bytea,
        uploaded_by -> Int8,
        uploaded_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Int8>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    awards (id) {
        id -> Int8,
        application_id -> Int8,
        call_id -> Int8,
        fund_id -> Int8,
        lead_org_id -> Int8,
        amount -> Numeric,
        currency -> Text,
        conditions -> Text,
        state -> Text,
        offered_at -> Timestamptz,
        accept_by -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_by -> Nullable<Int8>,
        signature_name -> Nullable<Text>,
        signature_ip -> Nullable<Text>,
        bank_account_name -> Nullable<Text>,
        bank_name -> Nullable<Text>,
        bank_account_number -> Nullable<Text>,
        bank_currency -> Nullable<Text>,
        closed_at -> Nullable<Timestamptz>,
        bank_confirmed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    bank_changes (id) {
        id -> Int8,
        award_id -> Int8,
        account_name -> Text,
        bank_name -> Text,
        account_number -> Text,
        currency -> Text,
        state -> Text,
        proposed_by -> Int8,
        proposed_at -> Timestamptz,
        decided_by -> Nullable<Int8>,
        decided_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    bank_statement_lines (id) {
        id -> Int8,
        statement_id -> Int8,
        line -> Int4,
        account -> Text,
        end_to_end -> Text,
        amount -> Numeric,
        currency -> Text,
        returned -> Bool,
        reason -> Text,
        payment_id -> Nullable<Int8>,
        outcome -> Text,
        note -> Text,
    }
}

diesel::table! {
    bank_statements (id) {
        id -> Int8,
        digest -> Text,
        file_name -> Text,
        lines -> Int4,
        imported_by -> Int8,
        imported_at -> Timestamptz,
    }
}

diesel::table! {
    budget_lines (id) {
        id -> Int8,
        application_id -> Int8,
        category -> Text,
        organization_id -> Int8,
        currency -> Text,
        amount -> Numeric,
        source -> Text,
        description -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    call_focus_areas (call_id, focus_area) {
        call_id -> Int8,
        focus_area -> Text,
    }
}

diesel::table! {
    call_review_settings (call_id) {
        call_id -> Int8,
        blind -> Bool,
        show_peer_scores -> Bool,
        review_days -> Int4,
        evaluations -> Bool,
    }
}

diesel::table! {
    call_score_components (call_id, position) {
        call_id -> Int8,
        position -> Int4,
        name_zh -> Text,
        name_en -> Text,
        weight -> Int4,
    }
}

diesel::table! {
    call_versions (call_id) {
        call_id -> Int8,
        version -> Int8,
    }
}

diesel::table! {
    calls (id) {
        id -> Int8,
        fund_id -> Int8,
        state -> Text,
        title_zh -> Text,
        title_en -> Text,
        description_zh -> Text,
        description_en -> Text,
        opens_at -> Timestamptz,
        closes_at -> Timestamptz,
        budget -> Numeric,
        min_request -> Numeric,
        max_request -> Numeric,
        max_duration_months -> Int4,
        rule_joint_required -> Bool,
        rule_lead_jurisdictions -> Array<Nullable<Text>>,
        rule_verified_required -> Bool,
        rule_whitelist_required -> Bool,
        rule_min_registered_months -> Nullable<Int4>,
        rule_min_matching_percent -> Nullable<Numeric>,
        rule_max_overhead_percent -> Nullable<Numeric>,
        rule_max_applications_per_lead -> Nullable<Int4>,
        rule_no_debarred -> Bool,
        rule_declaration_required -> Bool,
        anonymise_reviews -> Bool,
        rate_cny -> Numeric,
        rate_hkd -> Numeric,
        rate_mop -> Numeric,
        published_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        title_hans -> Text,
        description_hans -> Text,
    }
}

diesel::table! {
    component_scores (application_id, position) {
        application_id -> Int8,
        position -> Int4,
        score -> Numeric,
        entered_by -> Nullable<Int8>,
        entered_at -> Timestamptz,
    }
}

diesel::table! {
    contributions (id) {
        id -> Int8,
        fund_id -> Int8,
        donor -> Text,
        received_on -> Date,
        reference -> Text,
        amount -> Numeric,
        recorded_by -> Nullable<Int8>,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    corrections (id) {
        id -> Int8,
        fund_id -> Int8,
        entry_id -> Int8,
        reason -> Text,
        state -> Text,
        requested_by -> Int8,
        requested_at -> Timestamptz,
        decided_by -> Nullable<Int8>,
        decided_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    decision_publications (call_id) {
        call_id -> Int8,
        published_by -> Nullable<Int8>,
        published_at -> Timestamptz,
    }
}

diesel::table! {
    decisions (application_id) {
        application_id -> Int8,
        call_id -> Int8,
        outcome -> Text,
        amount -> Nullable<Numeric>,
        conditions -> Text,
        rationale -> Text,
        decided_by -> Nullable<Int8>,
        decided_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    evaluations (award_id, kind) {
        award_id -> Int8,
        kind -> Text,
        rating -> Int4,
        summary -> Text,
        recorded_by -> Nullable<Int8>,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    focus_areas (code) {
        code -> Text,
        name_hant -> Text,
        name_hans -> Text,
        name_en -> Text,
        active -> Bool,
        position -> Int4,
    }
}

diesel::table! {
    fund_award_counts (fund_id, state) {
        fund_id -> Int8,
        state -> Text,
        n -> Int8,
    }
}

diesel::table! {
    funds (id) {
        id -> Int8,
        name_zh -> Text,
        name_en -> Text,
        sponsors -> Text,
        currency -> Text,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    job_runs (job, key) {
        job -> Text,
        key -> Text,
        ran_at -> Timestamptz,
    }
}

diesel::table! {
    ledger_balances (fund_id, account, award_id) {
        fund_id -> Int8,
        account -> Text,
        award_id -> Int8,
        balance -> Numeric,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> Int8,
        fund_id -> Int8,
        kind -> Text,
        award_id -> Nullable<Int8>,
        contribution_id -> Nullable<Int8>,
        payment_request_id -> Nullable<Int8>,
        reverses -> Nullable<Int8>,
        memo -> Text,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    ledger_fund_months (fund_id, month, account) {
        fund_id -> Int8,
        month -> Date,
        account -> Text,
        amount -> Numeric,
    }
}

diesel::table! {
    ledger_fund_totals (fund_id, account) {
        fund_id -> Int8,
        account -> Text,
        balance -> Numeric,
    }
}

diesel::table! {
    ledger_postings (id) {
        id -> Int8,
        entry_id -> Int8,
        fund_id -> Int8,
        account -> Text,
        award_id -> Nullable<Int8>,
        amount -> Numeric,
    }
}

diesel::table! {
    login_challenges (id) {
        id -> Int8,
        token_hash -> Bytea,
        user_id -> Int8,
        created_at -> Timestamptz,
        pending_secret -> Nullable<Bytea>,
        failures -> Int4,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        email -> Text,
        ip -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    milestones (id) {
        id -> Int8,
        application_id -> Int8,
        month_due -> Int4,
        deliverables -> Text,
        tranche_percent -> Numeric,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    organization_focus_areas (organization_id, focus_area) {
        organization_id -> Int8,
        focus_area -> Text,
    }
}

diesel::table! {
    organization_invitations (id) {
        id -> Int8,
        organization_id -> Int8,
        email -> Text,
        role -> Text,
        token_hash -> Bytea,
        invited_by -> Int8,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_by -> Nullable<Int8>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    organization_members (organization_id, user_id) {
        organization_id -> Int8,
        user_id -> Int8,
        role -> Text,
        joined_at -> Timestamptz,
    }
}

diesel::table! {
    organizations (id) {
        id -> Int8,
        name_zh -> Text,
        name_en -> Text,
        jurisdiction -> Text,
        city -> Nullable<Text>,
        org_type -> Text,
        registration_number -> Text,
        founded_on -> Date,
        address -> Text,
        website -> Text,
        contact_email -> Text,
        verification -> Text,
        verification_note -> Text,
        verified_at -> Nullable<Timestamptz>,
        whitelisted -> Bool,
        debarred_until -> Nullable<Date>,
        debarment_reason -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        kind -> Text,
        recipient -> Text,
        lang -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        leased_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    panel_invitations (call_id, email) {
        call_id -> Int8,
        email -> Text,
        base -> Text,
        invited_by -> Nullable<Int8>,
        invited_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    panel_members (call_id, user_id) {
        call_id -> Int8,
        user_id -> Int8,
        base -> Text,
        added_by -> Nullable<Int8>,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    payment_batches (id) {
        id -> Int8,
        fund_id -> Int8,
        currency -> Text,
        state -> Text,
        debtor_name -> Text,
        debtor_account -> Text,
        debtor_bank -> Text,
        debtor_bic -> Text,
        created_by -> Int8,
        created_at -> Timestamptz,
        sent_by -> Nullable<Int8>,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    payment_requests (id) {
        id -> Int8,
        award_id -> Int8,
        kind -> Text,
        tranche_id -> Nullable<Int8>,
        amount -> Numeric,
        reason -> Text,
        state -> Text,
        requested_by -> Int8,
        requested_at -> Timestamptz,
        decided_by -> Nullable<Int8>,
        decided_at -> Nullable<Timestamptz>,
        payee_currency -> Nullable<Text>,
        rate -> Nullable<Numeric>,
        amount_sent -> Nullable<Numeric>,
        reference -> Nullable<Text>,
        transfer -> Nullable<Text>,
        batch_id -> Nullable<Int8>,
        payee_name -> Nullable<Text>,
        payee_bank -> Nullable<Text>,
        payee_account -> Nullable<Text>,
        settled_by -> Nullable<Int8>,
        settled_at -> Nullable<Timestamptz>,
        return_reason -> Nullable<Text>,
        return_reported_by -> Nullable<Int8>,
        return_reported_at -> Nullable<Timestamptz>,
        returned_by -> Nullable<Int8>,
        returned_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    progress_reports (id) {
        id -> Int8,
        award_id -> Int8,
        position -> Int4,
        #[sql_name = "final"]
        is_final -> Bool,
        narrative -> Text,
        targets -> Text,
        expenditure -> Jsonb,
        state -> Text,
        submitted_by -> Int8,
        submitted_at -> Timestamptz,
        reviewed_by -> Nullable<Int8>,
        reviewed_at -> Nullable<Timestamptz>,
        review_comment -> Text,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Int8,
        user_id -> Int8,
        code_hash -> Bytea,
        issued_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    report_attachments (id) {
        id -> Int8,
        report_id -> Int8,
        filename -> Text,
        content_type -> Text,
        size_bytes -> Int4,
        sha256 -> Bytea,
        data -> Bytea,
        uploaded_by -> Int8,
        uploaded_at -> Timestamptz,
    }
}

diesel::table! {
    reports_due (award_id, position) {
        award_id -> Int8,
        position -> Int4,
        due_at -> Timestamptz,
    }
}

diesel::table! {
    review_coverage (application_id) {
        application_id -> Int8,
        call_id -> Int8,
        awaiting -> Bool,
        reviewers -> Int4,
        unassigned -> Bool,
    }
}

diesel::table! {
    review_scores (review_id, position) {
        review_id -> Int8,
        position -> Int4,
        score -> Int4,
        comment -> Text,
    }
}

diesel::table! {
    reviewer_affiliations (user_id, organization_id) {
        user_id -> Int8,
        organization_id -> Int8,
        note -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    reviews (id) {
        id -> Int8,
        call_id -> Int8,
        application_id -> Int8,
        reviewer_id -> Int8,
        state -> Text,
        conflict_reason -> Text,
        overall_comment -> Text,
        recommendation -> Nullable<Text>,
        assigned_at -> Timestamptz,
        due_at -> Nullable<Timestamptz>,
        submitted_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        reminded_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    rubric_criteria (id) {
        id -> Int8,
        call_id -> Int8,
        position -> Int4,
        name_zh -> Text,
        name_en -> Text,
        guidance_zh -> Text,
        guidance_en -> Text,
        weight -> Int4,
        max_score -> Int4,
    }
}

diesel::table! {
    search_documents (kind, entity_id) {
        kind -> Text,
        entity_id -> Int8,
        tokens -> Array<Nullable<Text>>,
        title_tokens -> Array<Nullable<Text>>,
        updated_at -> Timestamptz,
        draft -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> Int8,
        token_hash -> Bytea,
        user_id -> Int8,
        csrf_token -> Text,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    support_log (id) {
        id -> Int8,
        award_id -> Int8,
        given_on -> Date,
        kind -> Text,
        hours -> Numeric,
        given_by -> Text,
        note -> Text,
        recorded_by -> Nullable<Int8>,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    tranches (id) {
        id -> Int8,
        award_id -> Int8,
        position -> Int4,
        amount -> Numeric,
        month_due -> Int4,
        deliverables -> Text,
    }
}

diesel::table! {
    tranches_ready (tranche_id) {
        tranche_id -> Int8,
        award_id -> Int8,
        position -> Int4,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Int8,
        role -> Text,
        granted_by -> Nullable<Int8>,
        granted_at -> Timestamptz,
    }
}

diesel::table! {
    user_tokens (id) {
        id -> Int8,
        user_id -> Int8,
        purpose -> Text,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    user_totp (user_id) {
        user_id -> Int8,
        secret -> Bytea,
        confirmed_at -> Timestamptz,
        last_step -> Int8,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        lang -> Text,
        email_verified_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(application_partners -> applications (application_id));
diesel::joinable!(application_partners -> organizations (organization_id));
diesel::joinable!(application_partners -> users (responded_by));
diesel::joinable!(application_snapshots -> applications (application_id));
diesel::joinable!(applications -> calls (call_id));
diesel::joinable!(applications -> organizations (lead_org_id));
diesel::joinable!(applications -> users (created_by));
diesel::joinable!(attachments -> applications (application_id));
diesel::joinable!(attachments -> users (uploaded_by));
diesel::joinable!(audit_events -> users (actor_id));
diesel::joinable!(awards -> applications (application_id));
diesel::joinable!(awards -> calls (call_id));
diesel::joinable!(awards -> funds (fund_id));
diesel::joinable!(awards -> organizations (lead_org_id));
diesel::joinable!(awards -> users (accepted_by));
diesel::joinable!(bank_changes -> awards (award_id));
diesel::joinable!(bank_statement_lines -> bank_statements (statement_id));
diesel::joinable!(bank_statement_lines -> payment_requests (payment_id));
diesel::joinable!(bank_statements -> users (imported_by));
diesel::joinable!(budget_lines -> applications (application_id));
diesel::joinable!(budget_lines -> organizations (organization_id));
diesel::joinable!(call_focus_areas -> calls (call_id));
diesel::joinable!(call_focus_areas -> focus_areas (focus_area));
diesel::joinable!(call_review_settings -> calls (call_id));
diesel::joinable!(call_score_components -> calls (call_id));
diesel::joinable!(call_versions -> calls (call_id));
diesel::joinable!(calls -> funds (fund_id));
diesel::joinable!(calls -> users (created_by));
diesel::joinable!(component_scores -> applications (application_id));
diesel::joinable!(component_scores -> users (entered_by));
diesel::joinable!(contributions -> funds (fund_id));
diesel::joinable!(contributions -> users (recorded_by));
diesel::joinable!(corrections -> funds (fund_id));
diesel::joinable!(corrections -> ledger_entries (entry_id));
diesel::joinable!(decision_publications -> calls (call_id));
diesel::joinable!(decision_publications -> users (published_by));
diesel::joinable!(decisions -> applications (application_id));
diesel::joinable!(decisions -> calls (call_id));
diesel::joinable!(decisions -> users (decided_by));
diesel::joinable!(evaluations -> awards (award_id));
diesel::joinable!(evaluations -> users (recorded_by));
diesel::joinable!(funds -> users (created_by));
diesel::joinable!(ledger_balances -> funds (fund_id));
diesel::joinable!(ledger_entries -> awards (award_id));
diesel::joinable!(ledger_entries -> contributions (contribution_id));
diesel::joinable!(ledger_entries -> funds (fund_id));
diesel::joinable!(ledger_entries -> payment_requests (payment_request_id));
diesel::joinable!(ledger_entries -> users (created_by));
diesel::joinable!(ledger_fund_months -> funds (fund_id));
diesel::joinable!(ledger_fund_totals -> funds (fund_id));
diesel::joinable!(ledger_postings -> awards (award_id));
diesel::joinable!(ledger_postings -> funds (fund_id));
diesel::joinable!(ledger_postings -> ledger_entries (entry_id));
diesel::joinable!(login_challenges -> users (user_id));
diesel::joinable!(milestones -> applications (application_id));
diesel::joinable!(organization_focus_areas -> focus_areas (focus_area));
diesel::joinable!(organization_focus_areas -> organizations (organization_id));
diesel::joinable!(organization_invitations -> organizations (organization_id));
diesel::joinable!(organization_members -> organizations (organization_id));
diesel::joinable!(organization_members -> users (user_id));
diesel::joinable!(panel_invitations -> calls (call_id));
diesel::joinable!(panel_invitations -> users (invited_by));
diesel::joinable!(panel_members -> calls (call_id));
diesel::joinable!(payment_batches -> funds (fund_id));
diesel::joinable!(payment_requests -> awards (award_id));
diesel::joinable!(payment_requests -> payment_batches (batch_id));
diesel::joinable!(payment_requests -> tranches (tranche_id));
diesel::joinable!(progress_reports -> awards (award_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(report_attachments -> progress_reports (report_id));
diesel::joinable!(report_attachments -> users (uploaded_by));
diesel::joinable!(review_scores -> reviews (review_id));
diesel::joinable!(reviewer_affiliations -> organizations (organization_id));
diesel::joinable!(reviewer_affiliations -> users (user_id));
diesel::joinable!(reviews -> applications (application_id));
diesel::joinable!(reviews -> calls (call_id));
diesel::joinable!(reviews -> users (reviewer_id));
diesel::joinable!(rubric_criteria -> calls (call_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(support_log -> awards (award_id));
diesel::joinable!(support_log -> users (recorded_by));
diesel::joinable!(tranches -> awards (award_id));
diesel::joinable!(user_tokens -> users (user_id));
// user_roles names users twice (user_id, granted_by); the join is on user_id.
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_totp -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    application_partners,
    application_snapshots,
    applications,
    attachments,
    audit_events,
    awards,
    bank_changes,
    bank_statement_lines,
    bank_statements,
    budget_lines,
    call_focus_areas,
    call_review_settings,
    call_score_components,
    call_versions,
    calls,
    component_scores,
    contributions,
    corrections,
    decision_publications,
    decisions,
    evaluations,
    focus_areas,
    fund_award_counts,
    funds,
    job_runs,
    ledger_balances,
    ledger_entries,
    ledger_fund_months,
    ledger_fund_totals,
    ledger_postings,
    login_challenges,
    login_failures,
    milestones,
    organization_focus_areas,
    organization_invitations,
    organization_members,
    organizations,
    outbox,
    panel_invitations,
    panel_members,
    payment_batches,
    payment_requests,
    progress_reports,
    recovery_codes,
    report_attachments,
    reports_due,
    review_coverage,
    review_scores,
    reviewer_affiliations,
    reviews,
    rubric_criteria,
    search_documents,
    sessions,
    support_log,
    tranches,
    tranches_ready,
    user_roles,
    user_tokens,
    user_totp,
    users,
);
