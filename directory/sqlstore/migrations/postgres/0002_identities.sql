-- Accounts at identity providers linked to users (profile normalization). The sub is the
-- account's key: one account links to one user. Raw attributes are kept as the provider sent
-- them, as bytea (not jsonb, which would reorder keys and reformat), so they come back byte
-- for byte.
CREATE TABLE identities (
    sub              text COLLATE "C" PRIMARY KEY,
    user_id          text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connection_id    text,
    organization_id  text,
    connection_type  text,
    provider_name    text,
    social           boolean NOT NULL DEFAULT false,
    provider_user_id text,
    raw_attributes   bytea NOT NULL,
    last_login       timestamptz,
    create_time      timestamptz NOT NULL,
    update_time      timestamptz NOT NULL
);

-- A user's identities, latest login first (NULLS LAST: SQLite sorts NULL lowest).
CREATE INDEX identities_by_user ON identities (user_id, last_login DESC NULLS LAST);
