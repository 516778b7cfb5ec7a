-- Usage queries page through time (rows ordered by bucket, then host, then model: docs/wire.md, "Paging"), a window
-- of whole buckets at a time, often for all hosts: the primary key (host_id, hour, model) cannot find one window of
-- every host without reading the whole month partition. The flusher appends each hour's rows in time order, so a BRIN
-- index on hour (a few pages per partition, next to nothing to maintain) finds the blocks of a window.
-- autosummarize lets autovacuum summarize each block range once it is full.
CREATE INDEX usage_hourly_hour_brin ON usage_hourly USING brin (hour) WITH (pages_per_range = 16, autosummarize = on);
