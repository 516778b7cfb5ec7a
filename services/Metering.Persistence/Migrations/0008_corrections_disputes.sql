-- Usage corrections, statement acknowledgements and disputes (docs/corrections.md). Nothing here is ever deleted, and
-- a row changes only along its state machine; the triggers below refuse anything else with SQLSTATE 'SF002' whatever
-- the client, as FINAL statements are guarded by 'SF001' (migration 0003).

-- A correction adds signed deltas to a host's usage of one model over [from_hour, to_hour), a range of whole hours
-- inside one calendar month (period). PROPOSED (by the host) becomes APPROVED or DECLINED (by billing), once; a
-- correction billing creates itself is APPROVED from the start. Only APPROVED corrections count.
CREATE TABLE usage_corrections (
    correction_id      text PRIMARY KEY CHECK (correction_id ~ '^co_[0-9a-f]{16}$'),
    host_id            text NOT NULL REFERENCES hosts (host_id),
    model              text NOT NULL CHECK (model ~ '^[A-Za-z0-9._:/-]{1,128}$'),
    period             date NOT NULL CHECK (extract(day FROM period) = 1),
    from_hour          timestamptz NOT NULL CHECK (date_trunc('hour', from_hour, 'UTC') = from_hour),
    to_hour            timestamptz NOT NULL CHECK (date_trunc('hour', to_hour, 'UTC') = to_hour),
    input_tokens       bigint NOT NULL,
    output_tokens      bigint NOT NULL,
    requests           bigint NOT NULL,
    billed_micros      bigint NOT NULL,
    reason_code        text NOT NULL CHECK (reason_code IN ('REFUND', 'DUPLICATE_REPORT', 'MISSING_USAGE', 'PRICING_ERROR', 'DISPUTE_RESOLUTION', 'OTHER')),
    reason             text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    state              text NOT NULL CHECK (state IN ('PROPOSED', 'APPROVED', 'DECLINED')),
    proposed_at        timestamptz NOT NULL,
    proposed_by_key_id text NOT NULL,
    proposed_by_role   text NOT NULL CHECK (proposed_by_role IN ('HOST', 'BILLING', 'ADMIN')),
    decided_at         timestamptz,
    decided_by_key_id  text,
    decided_by_role    text CHECK (decided_by_role IN ('BILLING', 'ADMIN')),
    decision_reason    text CHECK (length(decision_reason) <= 2000),
    CHECK (from_hour < to_hour),
    CHECK (from_hour >= (period::timestamp AT TIME ZONE 'UTC') AND to_hour <= ((period + interval '1 month') AT TIME ZONE 'UTC')),
    CHECK (input_tokens <> 0 OR output_tokens <> 0 OR requests <> 0 OR billed_micros <> 0),
    CHECK ((state = 'PROPOSED') = (decided_at IS NULL)),
    CHECK ((decided_at IS NULL) = (decided_by_key_id IS NULL) AND (decided_at IS NULL) = (decided_by_role IS NULL))
);

CREATE INDEX usage_corrections_host_period ON usage_corrections (host_id, period, model);
CREATE INDEX usage_corrections_approved_hours ON usage_corrections (from_hour) WHERE state = 'APPROVED';

CREATE FUNCTION usage_corrections_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'correction % is never deleted', OLD.correction_id USING ERRCODE = 'SF002';
    END IF;
    IF OLD.state <> 'PROPOSED' OR NEW.state NOT IN ('APPROVED', 'DECLINED') THEN
        RAISE EXCEPTION 'correction % cannot go from % to %', OLD.correction_id, OLD.state, NEW.state USING ERRCODE = 'SF002';
    END IF;
    IF (NEW.correction_id, NEW.host_id, NEW.model, NEW.period, NEW.from_hour, NEW.to_hour, NEW.input_tokens, NEW.output_tokens,
        NEW.requests, NEW.billed_micros, NEW.reason_code, NEW.reason, NEW.proposed_at, NEW.proposed_by_key_id, NEW.proposed_by_role)
       IS DISTINCT FROM
       (OLD.correction_id, OLD.host_id, OLD.model, OLD.period, OLD.from_hour, OLD.to_hour, OLD.input_tokens, OLD.output_tokens,
        OLD.requests, OLD.billed_micros, OLD.reason_code, OLD.reason, OLD.proposed_at, OLD.proposed_by_key_id, OLD.proposed_by_role) THEN
        RAISE EXCEPTION 'correction %: only its decision is ever written after it is proposed', OLD.correction_id USING ERRCODE = 'SF002';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER usage_corrections_state_guard
    BEFORE UPDATE OR DELETE ON usage_corrections
    FOR EACH ROW EXECUTE FUNCTION usage_corrections_guard();

-- The approved corrections each statement line took in (USAGE: those of its own period and model; ADJUSTMENT: those
-- of the corrected period and model it carries for the first time). Lines of FINAL statements stay frozen (0003).
ALTER TABLE settlement_statement_lines ADD COLUMN correction_ids text[] NOT NULL DEFAULT '{}';

-- A host acknowledges a FINAL statement at most once; an acknowledgement is never changed or withdrawn.
CREATE TABLE statement_acknowledgements (
    statement_id    text PRIMARY KEY REFERENCES settlement_statements (statement_id),
    host_id         text NOT NULL REFERENCES hosts (host_id),
    acknowledged_at timestamptz NOT NULL,
    actor_key_id    text NOT NULL,
    message         text NOT NULL DEFAULT '' CHECK (length(message) <= 2000)
);

-- A dispute of a FINAL statement, whole or of named lines ((corrects_period or '') || '/' || model, ordered). OPEN
-- becomes RESOLVED (by a correction, linked) or REJECTED (with a reason), once.
CREATE TABLE statement_disputes (
    dispute_id         text PRIMARY KEY CHECK (dispute_id ~ '^di_[0-9a-f]{16}$'),
    statement_id       text NOT NULL REFERENCES settlement_statements (statement_id),
    host_id            text NOT NULL REFERENCES hosts (host_id),
    lines              text[] NOT NULL,  -- empty: the whole statement
    message            text NOT NULL CHECK (length(message) BETWEEN 1 AND 2000),
    state              text NOT NULL CHECK (state IN ('OPEN', 'RESOLVED', 'REJECTED')),
    opened_at          timestamptz NOT NULL,
    opened_by_key_id   text NOT NULL,
    resolved_at        timestamptz,
    resolved_by_key_id text,
    correction_id      text REFERENCES usage_corrections (correction_id),
    resolution         text CHECK (length(resolution) <= 2000),
    CHECK ((state = 'OPEN') = (resolved_at IS NULL)),
    CHECK ((resolved_at IS NULL) = (resolved_by_key_id IS NULL)),
    CHECK (state <> 'RESOLVED' OR correction_id IS NOT NULL),
    CHECK (state <> 'REJECTED' OR (correction_id IS NULL AND length(resolution) > 0)),
    CHECK (state <> 'OPEN' OR (correction_id IS NULL AND resolution IS NULL))
);

CREATE INDEX statement_disputes_host ON statement_disputes (host_id, opened_at);
CREATE INDEX statement_disputes_statement ON statement_disputes (statement_id);

-- Acknowledgements and disputes are only about FINAL statements (a DRAFT still changes).
CREATE FUNCTION statement_require_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM settlement_statements WHERE statement_id = NEW.statement_id AND status = 'FINAL') THEN
        RAISE EXCEPTION 'statement % is not FINAL (%)', NEW.statement_id, TG_TABLE_NAME USING ERRCODE = 'SF002';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER statement_acknowledgements_final
    BEFORE INSERT ON statement_acknowledgements
    FOR EACH ROW EXECUTE FUNCTION statement_require_final();

CREATE TRIGGER statement_disputes_final
    BEFORE INSERT ON statement_disputes
    FOR EACH ROW EXECUTE FUNCTION statement_require_final();

CREATE FUNCTION statement_acknowledgements_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the acknowledgement of statement % is never changed or withdrawn', OLD.statement_id USING ERRCODE = 'SF002';
END;
$$;

CREATE TRIGGER statement_acknowledgements_guard
    BEFORE UPDATE OR DELETE ON statement_acknowledgements
    FOR EACH ROW EXECUTE FUNCTION statement_acknowledgements_guard();

CREATE FUNCTION statement_disputes_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'dispute % is never deleted', OLD.dispute_id USING ERRCODE = 'SF002';
    END IF;
    IF OLD.state <> 'OPEN' OR NEW.state NOT IN ('RESOLVED', 'REJECTED') THEN
        RAISE EXCEPTION 'dispute % cannot go from % to %', OLD.dispute_id, OLD.state, NEW.state USING ERRCODE = 'SF002';
    END IF;
    IF (NEW.dispute_id, NEW.statement_id, NEW.host_id, NEW.lines, NEW.message, NEW.opened_at, NEW.opened_by_key_id)
       IS DISTINCT FROM (OLD.dispute_id, OLD.statement_id, OLD.host_id, OLD.lines, OLD.message, OLD.opened_at, OLD.opened_by_key_id) THEN
        RAISE EXCEPTION 'dispute %: only its resolution is ever written after it is opened', OLD.dispute_id USING ERRCODE = 'SF002';
    END IF;
    IF NEW.state = 'RESOLVED' AND NOT EXISTS (
        SELECT 1 FROM usage_corrections WHERE correction_id = NEW.correction_id AND host_id = NEW.host_id AND state = 'APPROVED') THEN
        RAISE EXCEPTION 'dispute % can only be resolved by an APPROVED correction of its host', OLD.dispute_id USING ERRCODE = 'SF002';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER statement_disputes_state_guard
    BEFORE UPDATE OR DELETE ON statement_disputes
    FOR EACH ROW EXECUTE FUNCTION statement_disputes_guard();

-- TRUNCATE skips row triggers: refused for all three tables.
CREATE FUNCTION corrections_reject_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is never truncated', TG_TABLE_NAME USING ERRCODE = 'SF002';
END;
$$;

CREATE TRIGGER usage_corrections_no_truncate BEFORE TRUNCATE ON usage_corrections
    FOR EACH STATEMENT EXECUTE FUNCTION corrections_reject_truncate();
CREATE TRIGGER statement_acknowledgements_no_truncate BEFORE TRUNCATE ON statement_acknowledgements
    FOR EACH STATEMENT EXECUTE FUNCTION corrections_reject_truncate();
CREATE TRIGGER statement_disputes_no_truncate BEFORE TRUNCATE ON statement_disputes
    FOR EACH STATEMENT EXECUTE FUNCTION corrections_reject_truncate();
