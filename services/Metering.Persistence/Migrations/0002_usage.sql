-- Hourly usage per host and model, flushed from Redis. Partitioned by month of the hour; partitions are
-- created on demand by the flusher (usage_partition_for). Each flush id is recorded in the same transaction
-- as its counters, so a repeated flush of the same snapshot is a no-op.
CREATE TABLE usage_hourly (
    host_id       text NOT NULL,
    model         text NOT NULL,
    hour          timestamptz NOT NULL,
    input_tokens  bigint NOT NULL DEFAULT 0,
    output_tokens bigint NOT NULL DEFAULT 0,
    requests      bigint NOT NULL DEFAULT 0,
    billed_micros bigint NOT NULL DEFAULT 0,
    records       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (host_id, hour, model)
) PARTITION BY RANGE (hour);

CREATE TABLE usage_flushes (
    flush_id   text PRIMARY KEY,
    host_id    text NOT NULL,
    buckets    integer NOT NULL,
    flushed_at timestamptz NOT NULL
);

CREATE INDEX usage_flushes_flushed_at ON usage_flushes (flushed_at);

-- Creates the month partition holding `at` if it does not exist yet; safe under concurrency.
CREATE FUNCTION usage_partition_for(at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text := 'usage_hourly_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(name));
    IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF usage_hourly FOR VALUES FROM (%L) TO (%L)',
                       name, month_start, month_start + interval '1 month');
    END IF;
END;
$$;
