-- usage_partition_for raced with itself: a second transaction waiting on the advisory lock re-checked to_regclass
-- with a stale catalog cache (taking an advisory lock does not process catalog invalidations), missed the partition
-- the first had just committed and failed with "relation already exists". CREATE TABLE IF NOT EXISTS looks the name
-- up after locking the parent table, which does see it.
CREATE OR REPLACE FUNCTION usage_partition_for(at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text := 'usage_hourly_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(name));
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF usage_hourly FOR VALUES FROM (%L) TO (%L)',
                   name, month_start, month_start + interval '1 month');
END;
$$;
