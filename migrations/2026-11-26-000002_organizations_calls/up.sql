-- Organizations (DESIGN §2), the key-area catalogue, funds and calls (§3).

-- 重點領域准入目錄: admins maintain it; calls and organizations draw from it.
CREATE TABLE focus_areas (
    code       TEXT PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name_hant  TEXT NOT NULL CHECK (length(name_hant) BETWEEN 1 AND 100),
    name_hans  TEXT NOT NULL CHECK (length(name_hans) BETWEEN 1 AND 100),
    name_en    TEXT NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
    active     BOOLEAN NOT NULL DEFAULT true,
    position   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO focus_areas (code, name_hant, name_hans, name_en, position) VALUES
    ('elderly_care', '長者服務', '长者服务', 'Elderly care', 10),
    ('disability_services', '殘疾人士服務', '残疾人服务', 'Disability services', 20),
    ('community_services', '社區服務', '社区服务', 'Community services', 30),
    ('youth_exchange', '青少年交流', '青少年交流', 'Youth exchange', 40),
    ('culture_heritage', '文化傳承', '文化传承', 'Culture and heritage', 50),
    ('education', '教育', '教育', 'Education', 60),
    ('tech_for_good', '科技向善', '科技向善', 'Technology for good', 70),
    ('legal_professional', '法律及專業服務', '法律及专业服务', 'Legal and professional services', 80),
    ('social_work_training', '社工培訓', '社工培训', 'Social work training', 90);

CREATE TABLE organizations (
    id                  BIGSERIAL PRIMARY KEY,
    name_zh             TEXT NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 200),
    name_en             TEXT NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    jurisdiction        TEXT NOT NULL CHECK (jurisdiction IN ('mainland', 'hong_kong', 'macau')),
    city                TEXT CHECK (city IN ('guangzhou', 'shenzhen', 'zhuhai', 'foshan', 'huizhou',
                                             'dongguan', 'zhongshan', 'jiangmen', 'zhaoqing')),
    org_type            TEXT NOT NULL,
    registration_number TEXT NOT NULL,
    founded_on          DATE NOT NULL,
    address             TEXT NOT NULL DEFAULT '',
    website             TEXT NOT NULL DEFAULT '',
    contact_email       TEXT NOT NULL DEFAULT '',
    verification        TEXT NOT NULL DEFAULT 'pending'
                        CHECK (verification IN ('pending', 'verified', 'returned')),
    verification_note   TEXT NOT NULL DEFAULT '',
    verified_at         TIMESTAMPTZ,
    whitelisted         BOOLEAN NOT NULL DEFAULT false,
    debarred_until      DATE,
    debarment_reason    TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    CHECK ((jurisdiction = 'mainland') = (city IS NOT NULL)),
    -- Only verified Hong Kong and Macau organizations go on the whitelist.
    CHECK (NOT whitelisted OR (verification = 'verified' AND jurisdiction <> 'mainland')),
    UNIQUE (jurisdiction, registration_number)
);
CREATE INDEX organizations_verification_idx ON organizations (verification, id);
CREATE INDEX organizations_city_idx ON organizations (city, id);

CREATE TABLE organization_focus_areas (
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    focus_area      TEXT NOT NULL REFERENCES focus_areas (code),
    PRIMARY KEY (organization_id, focus_area)
);
CREATE INDEX organization_focus_areas_area_idx ON organization_focus_areas (focus_area, organization_id);

CREATE TABLE organization_members (
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users (id),
    role            TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    joined_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user_idx ON organization_members (user_id);

CREATE TABLE organization_invitations (
    id              BIGSERIAL PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL CHECK (email = lower(email)),
    role            TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    token_hash      BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    invited_by      BIGINT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    accepted_at     TIMESTAMPTZ,
    accepted_by     BIGINT REFERENCES users (id),
    revoked_at      TIMESTAMPTZ
);
CREATE INDEX organization_invitations_org_idx ON organization_invitations (organization_id, id);

CREATE TABLE funds (
    id         BIGSERIAL PRIMARY KEY,
    name_zh    TEXT NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 200),
    name_en    TEXT NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    sponsors   TEXT NOT NULL DEFAULT '',
    currency   TEXT NOT NULL CHECK (currency IN ('CNY', 'HKD', 'MOP')),
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE calls (
    id                             BIGSERIAL PRIMARY KEY,
    fund_id                        BIGINT NOT NULL REFERENCES funds (id),
    state                          TEXT NOT NULL DEFAULT 'draft'
                                   CHECK (state IN ('draft', 'published', 'in_review', 'decided', 'archived')),
    title_zh                       TEXT NOT NULL,
    title_en                       TEXT NOT NULL,
    description_zh                 TEXT NOT NULL,
    description_en                 TEXT NOT NULL,
    opens_at                       TIMESTAMPTZ NOT NULL,
    closes_at                      TIMESTAMPTZ NOT NULL,
    budget                         NUMERIC(14, 2) NOT NULL CHECK (budget > 0),
    min_request                    NUMERIC(14, 2) NOT NULL CHECK (min_request >= 0),
    max_request                    NUMERIC(14, 2) NOT NULL CHECK (max_request > 0),
    max_duration_months            INTEGER NOT NULL CHECK (max_duration_months BETWEEN 1 AND 120),
    rule_joint_required            BOOLEAN NOT NULL,
    rule_lead_jurisdictions        TEXT[] NOT NULL,
    rule_verified_required         BOOLEAN NOT NULL,
    rule_whitelist_required        BOOLEAN NOT NULL,
    rule_min_registered_months     INTEGER CHECK (rule_min_registered_months >= 0),
    rule_min_matching_percent      NUMERIC(5, 2) CHECK (rule_min_matching_percent BETWEEN 0 AND 100),
    rule_max_overhead_percent      NUMERIC(5, 2) CHECK (rule_max_overhead_percent BETWEEN 0 AND 100),
    rule_max_applications_per_lead INTEGER CHECK (rule_max_applications_per_lead >= 1),
    rule_no_debarred               BOOLEAN NOT NULL,
    rule_declaration_required      BOOLEAN NOT NULL,
    anonymise_reviews              BOOLEAN NOT NULL,
    rate_cny                       NUMERIC(12, 6) NOT NULL CHECK (rate_cny > 0),
    rate_hkd                       NUMERIC(12, 6) NOT NULL CHECK (rate_hkd > 0),
    rate_mop                       NUMERIC(12, 6) NOT NULL CHECK (rate_mop > 0),
    published_at                   TIMESTAMPTZ,
    created_by                     BIGINT REFERENCES users (id),
    created_at                     TIMESTAMPTZ NOT NULL,
    updated_at                     TIMESTAMPTZ NOT NULL,
    CHECK (closes_at > opens_at),
    CHECK (min_request <= max_request),
    CHECK (state = 'draft' OR published_at IS NOT NULL)
);
CREATE INDEX calls_public_idx ON calls (state, closes_at);

CREATE TABLE call_focus_areas (
    call_id    BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    focus_area TEXT NOT NULL REFERENCES focus_areas (code),
    PRIMARY KEY (call_id, focus_area)
);

CREATE TABLE rubric_criteria (
    id          BIGSERIAL PRIMARY KEY,
    call_id     BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    guidance_zh TEXT NOT NULL DEFAULT '',
    guidance_en TEXT NOT NULL DEFAULT '',
    weight      INTEGER NOT NULL CHECK (weight BETWEEN 1 AND 100),
    max_score   INTEGER NOT NULL CHECK (max_score BETWEEN 1 AND 100),
    UNIQUE (call_id, position)
);

-- Publishing freezes a call. Only its state may move on afterwards; the
-- application refuses such edits first, this keeps every other path honest.
CREATE FUNCTION calls_freeze() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state <> 'draft' AND
       (to_jsonb(NEW) - 'state' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'state' - 'updated_at') THEN
        RAISE EXCEPTION 'call % is published: it can no longer be changed', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER calls_frozen_after_publishing BEFORE UPDATE ON calls
    FOR EACH ROW EXECUTE FUNCTION calls_freeze();

CREATE FUNCTION call_parts_freeze() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target BIGINT := CASE WHEN TG_OP = 'DELETE' THEN OLD.call_id ELSE NEW.call_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM calls WHERE id = target AND state <> 'draft') THEN
        RAISE EXCEPTION 'call % is published: its % can no longer be changed', target, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER rubric_frozen_after_publishing BEFORE INSERT OR UPDATE OR DELETE ON rubric_criteria
    FOR EACH ROW EXECUTE FUNCTION call_parts_freeze();
CREATE TRIGGER call_focus_frozen_after_publishing BEFORE INSERT OR UPDATE OR DELETE ON call_focus_areas
    FOR EACH ROW EXECUTE FUNCTION call_parts_freeze();
