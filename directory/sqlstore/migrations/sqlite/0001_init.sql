-- 0001: the whole directory schema.
--
-- Times are RFC 3339 UTC text with a fixed-width fraction (see codec.go), so they sort.
-- JSON columns hold objects of strings (metadata, custom attributes) or arrays of strings
-- (groups); CHECKs keep anything else out. Uniqueness lives in constraints, not in code, so
-- that no race can create a duplicate.

CREATE TABLE organizations (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    external_id  TEXT UNIQUE, -- NULL for many organizations; UNIQUE ignores NULLs
    metadata     TEXT NOT NULL DEFAULT '{}' CHECK (json_type(metadata) = 'object'),
    create_time  TEXT NOT NULL,
    update_time  TEXT NOT NULL
) STRICT;

CREATE TABLE permissions (
    name        TEXT PRIMARY KEY,
    description TEXT
) STRICT;

CREATE TABLE roles (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    display_name   TEXT,
    description    TEXT,
    -- Roles given to a new membership that names none.
    default_member INTEGER NOT NULL DEFAULT 0 CHECK (default_member IN (0, 1))
) STRICT;

CREATE TABLE role_permissions (
    role_id         TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_name TEXT NOT NULL REFERENCES permissions (name) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_name)
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
    id                    TEXT PRIMARY KEY,
    -- NOCASE: Alice@x.test and alice@x.test are one address (ASCII case folding).
    email                 TEXT NOT NULL UNIQUE COLLATE NOCASE,
    external_id           TEXT UNIQUE,
    metadata              TEXT NOT NULL DEFAULT '{}' CHECK (json_type(metadata) = 'object'),
    last_login            TEXT,
    create_time           TEXT NOT NULL,
    update_time           TEXT NOT NULL,
    -- The profile, one to one with the user, inline.
    profile_id            TEXT NOT NULL UNIQUE,
    name                  TEXT,
    given_name            TEXT,
    family_name           TEXT,
    email_verified        INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
    phone_number          TEXT,
    phone_number_verified INTEGER NOT NULL DEFAULT 0 CHECK (phone_number_verified IN (0, 1)),
    locale                TEXT,
    picture               TEXT,
    preferred_username    TEXT,
    gender                TEXT,
    "groups"              TEXT NOT NULL DEFAULT '[]' CHECK (json_type("groups") = 'array'),
    custom_attributes     TEXT NOT NULL DEFAULT '{}' CHECK (json_type(custom_attributes) = 'object'),
    profile_metadata      TEXT NOT NULL DEFAULT '{}' CHECK (json_type(profile_metadata) = 'object')
) STRICT;

CREATE TABLE memberships (
    user_id                   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id           TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    status                    TEXT NOT NULL
        CHECK (status IN ('ACTIVE', 'INACTIVE', 'PENDING_INVITE', 'INVITE_EXPIRED')),
    join_time                 TEXT,
    primary_identity_provider TEXT,
    metadata                  TEXT NOT NULL DEFAULT '{}' CHECK (json_type(metadata) = 'object'),
    inviter_email             TEXT,
    expires_at                TEXT,
    create_time               TEXT NOT NULL,
    update_time               TEXT NOT NULL,
    PRIMARY KEY (user_id, organization_id)
) STRICT, WITHOUT ROWID;

-- Members of an organization, in user id order (the members connection's order).
CREATE INDEX memberships_by_organization ON memberships (organization_id, user_id);

CREATE TABLE membership_roles (
    user_id         TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    role_id         TEXT NOT NULL REFERENCES roles (id),
    PRIMARY KEY (user_id, organization_id, role_id),
    FOREIGN KEY (user_id, organization_id)
        REFERENCES memberships (user_id, organization_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Foreign keys need an index on the child side, or deleting a role scans every row.
CREATE INDEX membership_roles_by_role ON membership_roles (role_id);
