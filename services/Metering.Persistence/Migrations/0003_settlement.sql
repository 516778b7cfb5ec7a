-- Settlement (docs/architecture.md, "Settlement"): agreements with their rate cards and share tiers, and monthly
-- statements with their lines, tier applications and adjustments. Money is numeric, never floating point; months are
-- the first day of the month (UTC). A FINAL statement never changes, nor does an agreement a FINAL statement was
-- computed with: the triggers below refuse it with SQLSTATE 'SF001' whatever the client.

-- Store revisions: agreements take one on every write, statements when computed and when finalized, so a
-- statement can tell whether its agreement changed, or another statement of its host became FINAL, since.
CREATE SEQUENCE settlement_revision;

CREATE TABLE settlement_agreements (
    agreement_id    text PRIMARY KEY,
    host_id         text NOT NULL REFERENCES hosts (host_id),
    effective_month date NOT NULL CHECK (extract(day FROM effective_month) = 1),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    revenue_basis   text NOT NULL CHECK (revenue_basis IN ('REPORTED', 'RATE_CARD')),
    minimum_payment numeric CHECK (minimum_payment >= 0),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL CHECK (updated_at >= created_at),
    revision        bigint NOT NULL,
    UNIQUE (host_id, effective_month)
);

CREATE TABLE settlement_rate_card_entries (
    agreement_id                    text NOT NULL REFERENCES settlement_agreements (agreement_id) ON DELETE CASCADE,
    position                        integer NOT NULL CHECK (position >= 0),
    model                           text NOT NULL CHECK (model = '*' OR model ~ '^[A-Za-z0-9._:/-]{1,128}$'),
    price_per_million_input_tokens  numeric NOT NULL CHECK (price_per_million_input_tokens >= 0),
    price_per_million_output_tokens numeric NOT NULL CHECK (price_per_million_output_tokens >= 0),
    price_per_thousand_requests     numeric NOT NULL CHECK (price_per_thousand_requests >= 0),
    PRIMARY KEY (agreement_id, position),
    UNIQUE (agreement_id, model)
);

CREATE TABLE settlement_share_tiers (
    agreement_id  text NOT NULL REFERENCES settlement_agreements (agreement_id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position >= 0),
    from_amount   numeric NOT NULL CHECK (from_amount >= 0),
    share_percent numeric NOT NULL CHECK (share_percent BETWEEN 0 AND 100),
    PRIMARY KEY (agreement_id, position),
    UNIQUE (agreement_id, from_amount),
    CHECK (position > 0 OR from_amount = 0)
);

CREATE TABLE settlement_statements (
    statement_id       text PRIMARY KEY,
    host_id            text NOT NULL REFERENCES hosts (host_id),
    period             date NOT NULL CHECK (extract(day FROM period) = 1),
    status             text NOT NULL CHECK (status IN ('DRAFT', 'FINAL')),
    agreement_id       text NOT NULL REFERENCES settlement_agreements (agreement_id),
    agreement_revision bigint NOT NULL,
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    revenue_basis      text NOT NULL CHECK (revenue_basis IN ('REPORTED', 'RATE_CARD')),
    gross_revenue      numeric(38, 6) NOT NULL CHECK (gross_revenue >= 0),
    share_amount       numeric(38, 6) NOT NULL CHECK (share_amount >= 0),
    minimum_payment    numeric CHECK (minimum_payment >= 0),
    minimum_applied    boolean NOT NULL,
    period_amount_owed numeric NOT NULL CHECK (period_amount_owed >= 0),
    amount_owed        numeric NOT NULL,
    has_unpriced_lines boolean NOT NULL,
    computed_at        timestamptz NOT NULL,
    computed_revision  bigint NOT NULL,
    finalized_at       timestamptz,
    finalized_revision bigint,
    UNIQUE (host_id, period),
    CHECK ((status = 'FINAL') = (finalized_at IS NOT NULL)),
    CHECK ((finalized_at IS NULL) = (finalized_revision IS NULL)),
    CHECK (NOT minimum_applied OR minimum_payment IS NOT NULL)
);

CREATE INDEX settlement_statements_period_host ON settlement_statements (period, host_id);
CREATE INDEX settlement_statements_agreement ON settlement_statements (agreement_id);

CREATE TABLE settlement_statement_lines (
    statement_id    text NOT NULL REFERENCES settlement_statements (statement_id) ON DELETE CASCADE,
    position        integer NOT NULL CHECK (position >= 0),
    kind            text NOT NULL CHECK (kind IN ('USAGE', 'ADJUSTMENT')),
    model           text NOT NULL,
    corrects_period date CHECK (extract(day FROM corrects_period) = 1),
    input_tokens    bigint NOT NULL,
    output_tokens   bigint NOT NULL,
    requests        bigint NOT NULL,
    billed_micros   bigint NOT NULL,
    gross_revenue   numeric(38, 6),  -- NULL: unpriced
    rate_card_model text,
    PRIMARY KEY (statement_id, position),
    CHECK ((kind = 'ADJUSTMENT') = (corrects_period IS NOT NULL)),
    CHECK (kind = 'ADJUSTMENT' OR (input_tokens >= 0 AND output_tokens >= 0 AND requests >= 0 AND billed_micros >= 0 AND coalesce(gross_revenue, 0) >= 0)),
    CHECK (gross_revenue IS NOT NULL OR rate_card_model IS NULL)
);

CREATE UNIQUE INDEX settlement_statement_lines_usage ON settlement_statement_lines (statement_id, model) WHERE kind = 'USAGE';
CREATE UNIQUE INDEX settlement_statement_lines_adjustment ON settlement_statement_lines (statement_id, corrects_period, model) WHERE kind = 'ADJUSTMENT';

CREATE TABLE settlement_tier_applications (
    statement_id  text NOT NULL REFERENCES settlement_statements (statement_id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position >= 0),
    from_amount   numeric NOT NULL CHECK (from_amount >= 0),
    to_amount     numeric CHECK (to_amount > from_amount),
    share_percent numeric NOT NULL CHECK (share_percent BETWEEN 0 AND 100),
    base_amount   numeric(38, 6) NOT NULL CHECK (base_amount > 0),
    share_amount  numeric(38, 6) NOT NULL CHECK (share_amount >= 0),
    PRIMARY KEY (statement_id, position)
);

CREATE TABLE settlement_adjustments (
    statement_id           text NOT NULL REFERENCES settlement_statements (statement_id) ON DELETE CASCADE,
    corrects_period        date NOT NULL CHECK (extract(day FROM corrects_period) = 1),
    corrected_statement_id text NOT NULL REFERENCES settlement_statements (statement_id),
    gross_revenue          numeric(38, 6) NOT NULL,
    share_amount           numeric(38, 6) NOT NULL,
    amount_owed            numeric NOT NULL,
    PRIMARY KEY (statement_id, corrects_period),
    CHECK (corrected_statement_id <> statement_id)
);

CREATE INDEX settlement_adjustments_corrected ON settlement_adjustments (corrected_statement_id);

-- A FINAL statement row is never updated or deleted.
CREATE FUNCTION settlement_reject_final_statement_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'statement % is FINAL and never changes', OLD.statement_id USING ERRCODE = 'SF001';
END;
$$;

CREATE TRIGGER settlement_statements_final_guard
    BEFORE UPDATE OR DELETE ON settlement_statements
    FOR EACH ROW WHEN (OLD.status = 'FINAL') EXECUTE FUNCTION settlement_reject_final_statement_change();

-- Rows of a statement (lines, tier applications, adjustments) are replaced, never updated; inserting or
-- deleting rows of a FINAL statement is refused. Checked once per SQL statement on its transition table.
CREATE FUNCTION settlement_reject_child_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are replaced, never updated', TG_TABLE_NAME USING ERRCODE = 'SF001';
END;
$$;

CREATE FUNCTION settlement_reject_final_children() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    final_id text;
BEGIN
    SELECT s.statement_id INTO final_id
    FROM changed_rows c JOIN settlement_statements s ON s.statement_id = c.statement_id
    WHERE s.status = 'FINAL' LIMIT 1;
    IF final_id IS NOT NULL THEN
        RAISE EXCEPTION 'statement % is FINAL and never changes (%)', final_id, TG_TABLE_NAME USING ERRCODE = 'SF001';
    END IF;
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['settlement_statement_lines', 'settlement_tier_applications', 'settlement_adjustments'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION settlement_reject_child_update()', t || '_no_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION settlement_reject_final_children()', t || '_final_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION settlement_reject_final_children()', t || '_final_delete', t);
    END LOOP;
END;
$$;

-- An agreement a FINAL statement was computed with never changes, and no agreement may take effect in or before
-- a month the host already has a FINAL statement for (it would change which terms applied to it).
CREATE FUNCTION settlement_guard_agreement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
        SELECT 1 FROM settlement_statements WHERE agreement_id = OLD.agreement_id AND status = 'FINAL') THEN
        RAISE EXCEPTION 'agreement % was used by a FINAL statement and never changes', OLD.agreement_id USING ERRCODE = 'SF001';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM settlement_statements WHERE host_id = NEW.host_id AND status = 'FINAL' AND period >= NEW.effective_month) THEN
        RAISE EXCEPTION 'host % has a FINAL statement in or after %', NEW.host_id, NEW.effective_month USING ERRCODE = 'SF001';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

CREATE TRIGGER settlement_agreements_final_guard
    BEFORE INSERT OR UPDATE OR DELETE ON settlement_agreements
    FOR EACH ROW EXECUTE FUNCTION settlement_guard_agreement();

CREATE FUNCTION settlement_reject_final_agreement_children() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    used_id text;
BEGIN
    SELECT s.agreement_id INTO used_id
    FROM changed_rows c JOIN settlement_statements s ON s.agreement_id = c.agreement_id
    WHERE s.status = 'FINAL' LIMIT 1;
    IF used_id IS NOT NULL THEN
        RAISE EXCEPTION 'agreement % was used by a FINAL statement and never changes (%)', used_id, TG_TABLE_NAME USING ERRCODE = 'SF001';
    END IF;
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['settlement_rate_card_entries', 'settlement_share_tiers'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION settlement_reject_child_update()', t || '_no_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION settlement_reject_final_agreement_children()', t || '_final_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION settlement_reject_final_agreement_children()', t || '_final_delete', t);
    END LOOP;
END;
$$;
