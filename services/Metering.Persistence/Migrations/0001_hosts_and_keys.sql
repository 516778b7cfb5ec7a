-- Hosts (hosting partners) and their API keys. Keys are stored only as SHA-256 hashes of their secrets.
CREATE TABLE hosts (
    host_id      text PRIMARY KEY CHECK (host_id ~ '^[a-z][a-z0-9-]{0,62}$' AND host_id !~ '-$'),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    created_at   timestamptz NOT NULL
);

CREATE TABLE api_keys (
    key_id       text PRIMARY KEY,
    secret_hash  bytea NOT NULL UNIQUE,
    role         text NOT NULL CHECK (role IN ('HOST', 'BILLING', 'ADMIN')),
    host_id      text REFERENCES hosts (host_id),
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    CHECK ((role = 'HOST') = (host_id IS NOT NULL))
);

CREATE INDEX api_keys_revoked_at ON api_keys (revoked_at) WHERE revoked_at IS NOT NULL;
