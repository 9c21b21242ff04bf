-- Accounts at identity providers linked to users (profile normalization). The sub is the
-- account's key: one account links to one user. Raw attributes are kept as the provider
-- sent them, as text, so they come back byte for byte.
CREATE TABLE identities (
    sub             TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connection_id   TEXT,
    organization_id TEXT,
    connection_type TEXT,
    provider_name   TEXT,
    social          INTEGER NOT NULL DEFAULT 0,
    provider_user_id TEXT,
    raw_attributes  TEXT NOT NULL,
    last_login      TEXT,
    create_time     TEXT NOT NULL,
    update_time     TEXT NOT NULL
) STRICT;

CREATE INDEX identities_by_user ON identities (user_id, last_login DESC);
