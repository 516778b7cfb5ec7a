-- When each flush snapshot was cut (Redis TIME, microseconds), so a usage query can tell whether a flush it
-- did not see in Redis was committed after its Redis read (the query then reads again).
ALTER TABLE usage_flushes ADD COLUMN cut_stamp bigint NOT NULL DEFAULT 0;
CREATE INDEX usage_flushes_host_cut_stamp ON usage_flushes (host_id, cut_stamp);
