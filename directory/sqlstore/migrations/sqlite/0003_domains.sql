-- Internet domains claimed by organizations. A domain belongs to at most one organization
-- (names are stored canonical: lower-case IDNA ASCII form), and goes with it.
CREATE TABLE domains (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL UNIQUE,
    type            TEXT NOT NULL CHECK (type IN ('ORGANIZATION_DOMAIN', 'ALLOWED_EMAIL_DOMAIN')),
    verification    TEXT NOT NULL CHECK (verification IN ('PENDING', 'VERIFIED', 'FAILED', 'AUTO_VERIFIED')),
    create_time     TEXT NOT NULL
) STRICT;

CREATE INDEX domains_by_organization ON domains (organization_id, name);
