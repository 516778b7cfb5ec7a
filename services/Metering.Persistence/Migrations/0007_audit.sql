-- The audit trail (docs/architecture.md, "Audit trail"): one row per change made through AdminService or
-- SettlementService (or by the settlement schedule), written in the same transaction as the change. Rows are only
-- ever inserted: UPDATE, DELETE and TRUNCATE are refused twice, by privilege (revoked below from every role that holds
-- the table's privileges, the owner included, which is the role the services connect as under `make run` and
-- `make test`) and by triggers raising SQLSTATE 'AU001' whatever the role (a superuser too). The summary holds the
-- before/after of the change and never a secret.
CREATE TABLE audit_events (
    event_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  timestamptz NOT NULL,
    actor_key_id text NOT NULL CHECK (length(actor_key_id) BETWEEN 1 AND 64),
    actor_role   text NOT NULL CHECK (actor_role IN ('HOST', 'BILLING', 'ADMIN', 'SYSTEM')),
    action       text NOT NULL CHECK (action ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$' AND length(action) <= 64),
    target_type  text NOT NULL CHECK (target_type ~ '^[a-z][a-z_]*$' AND length(target_type) <= 64),
    target_id    text NOT NULL CHECK (length(target_id) BETWEEN 1 AND 200),
    host_id      text,  -- the host the event is about (a HOST key sees these); NULL when about no single host
    summary      jsonb NOT NULL CHECK (jsonb_typeof(summary) = 'object')
);

CREATE INDEX audit_events_host ON audit_events (host_id, event_id) WHERE host_id IS NOT NULL;
CREATE INDEX audit_events_target ON audit_events (target_type, target_id, event_id);
CREATE INDEX audit_events_actor ON audit_events (actor_key_id, event_id);
CREATE INDEX audit_events_action ON audit_events (action, event_id);
CREATE INDEX audit_events_occurred_at_brin ON audit_events USING brin (occurred_at) WITH (autosummarize = on);

CREATE FUNCTION audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is refused', TG_OP USING ERRCODE = 'AU001';
END;
$$;

CREATE TRIGGER audit_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_reject_change();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();

-- Privileges: reading and appending only. PUBLIC and the owner (the migrating role) lose UPDATE, DELETE and TRUNCATE,
-- and so does every role that default privileges (ALTER DEFAULT PRIVILEGES) gave privileges on the new table, such as a
-- separate service role. A role granted privileges later must be granted SELECT and INSERT only (docs/operations.md).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM CURRENT_USER;

DO $$
DECLARE
    holder text;
BEGIN
    FOR holder IN
        SELECT DISTINCT r.rolname
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid = 'audit_events'::regclass
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM %I', holder);
    END LOOP;
END;
$$;
