-- Internet domains claimed by organizations, the PostgreSQL twin of the SQLite store's 0003.
-- A domain belongs to at most one organization (names are stored canonical: lower-case
-- IDNA ASCII form), and goes with it.
CREATE TABLE domains (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text COLLATE "C" NOT NULL CONSTRAINT domains_name_key UNIQUE,
    type            text NOT NULL CHECK (type IN ('ORGANIZATION_DOMAIN', 'ALLOWED_EMAIL_DOMAIN')),
    verification    text NOT NULL CHECK (verification IN ('PENDING', 'VERIFIED', 'FAILED', 'AUTO_VERIFIED')),
    create_time     timestamptz NOT NULL
);

CREATE INDEX domains_by_organization ON domains (organization_id, name);
