-- 0001: the whole directory schema, the PostgreSQL twin of the SQLite store's 0001.
--
-- Keys and names are COLLATE "C" so that ordering (ids, role and permission names) is byte
-- order, as in SQLite, whatever the database's default collation. Emails are unique after
-- ASCII case folding (lower() under the "C" collation folds ASCII only, like SQLite's NOCASE).
-- JSON columns hold objects of strings (metadata, custom attributes) or arrays of strings
-- (groups); CHECKs keep anything else out. Uniqueness lives in constraints, not in code, so
-- that no race can create a duplicate.
--
-- users, memberships and organizations carry a version, incremented by every update: a
-- read-modify-write (a map merge) only writes when the version it read is still current, so
-- that two gateways updating the same row concurrently lose no write.

CREATE TABLE organizations (
    id           text COLLATE "C" PRIMARY KEY,
    display_name text NOT NULL,
    external_id  text CONSTRAINT organizations_external_id_key UNIQUE, -- NULLs never collide
    metadata     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    version      bigint NOT NULL DEFAULT 1,
    create_time  timestamptz NOT NULL,
    update_time  timestamptz NOT NULL
);

CREATE TABLE permissions (
    name        text COLLATE "C" PRIMARY KEY,
    description text
);

CREATE TABLE roles (
    id             text COLLATE "C" PRIMARY KEY,
    name           text COLLATE "C" NOT NULL CONSTRAINT roles_name_key UNIQUE,
    display_name   text,
    description    text,
    -- Roles given to a new membership that names none.
    default_member boolean NOT NULL DEFAULT false
);

CREATE TABLE role_permissions (
    role_id         text COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_name text COLLATE "C" NOT NULL REFERENCES permissions (name) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_name)
);

CREATE INDEX role_permissions_by_permission ON role_permissions (permission_name);

CREATE TABLE users (
    id                    text COLLATE "C" PRIMARY KEY,
    email                 text NOT NULL,
    external_id           text CONSTRAINT users_external_id_key UNIQUE,
    metadata              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    last_login            timestamptz,
    version               bigint NOT NULL DEFAULT 1,
    create_time           timestamptz NOT NULL,
    update_time           timestamptz NOT NULL,
    -- The profile, one to one with the user, inline.
    profile_id            text COLLATE "C" NOT NULL CONSTRAINT users_profile_id_key UNIQUE,
    name                  text,
    given_name            text,
    family_name           text,
    email_verified        boolean NOT NULL DEFAULT false,
    phone_number          text,
    phone_number_verified boolean NOT NULL DEFAULT false,
    locale                text,
    picture               text,
    preferred_username    text,
    gender                text,
    "groups"              jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof("groups") = 'array'),
    custom_attributes     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_attributes) = 'object'),
    profile_metadata      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(profile_metadata) = 'object')
);

-- Alice@x.test and alice@x.test are one address (ASCII case folding, as SQLite's NOCASE).
CREATE UNIQUE INDEX users_email_key ON users (lower(email COLLATE "C"));

CREATE TABLE memberships (
    user_id                   text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id           text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    status                    text NOT NULL
        CHECK (status IN ('ACTIVE', 'INACTIVE', 'PENDING_INVITE', 'INVITE_EXPIRED')),
    join_time                 timestamptz,
    primary_identity_provider text,
    metadata                  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    inviter_email             text,
    expires_at                timestamptz,
    version                   bigint NOT NULL DEFAULT 1,
    create_time               timestamptz NOT NULL,
    update_time               timestamptz NOT NULL,
    CONSTRAINT memberships_pkey PRIMARY KEY (user_id, organization_id)
);

-- Members of an organization, in user id order (the members connection's order).
CREATE INDEX memberships_by_organization ON memberships (organization_id, user_id);

CREATE TABLE membership_roles (
    user_id         text COLLATE "C" NOT NULL,
    organization_id text COLLATE "C" NOT NULL,
    role_id         text COLLATE "C" NOT NULL REFERENCES roles (id),
    PRIMARY KEY (user_id, organization_id, role_id),
    FOREIGN KEY (user_id, organization_id)
        REFERENCES memberships (user_id, organization_id) ON DELETE CASCADE
);

-- Foreign keys need an index on the child side, or deleting a role scans every row.
CREATE INDEX membership_roles_by_role ON membership_roles (role_id);
