-- Members (people who sign in to the dashboard), their roles in workspaces, sessions,
-- invitations, and server settings shared by every node.

create table members (
    id text primary key,
    email text not null,
    password_hash text not null,
    created_at text not null
);
create unique index members_by_email on members (email);

create table memberships (
    workspace_id text not null references workspaces (id),
    member_id text not null references members (id),
    role text not null check (role in ('owner', 'admin', 'member')),
    created_at text not null,
    primary key (workspace_id, member_id)
);
-- Exactly one owner per workspace (at most one here; the application keeps one).
create unique index memberships_one_owner on memberships (workspace_id) where role = 'owner';
create index memberships_by_member on memberships (member_id);

-- Only the SHA-256 of a session token is stored.
create table sessions (
    token_hash blob primary key,
    member_id text not null references members (id),
    created_at text not null,
    expires_at text not null
);
create index sessions_by_member on sessions (member_id);

-- Only the SHA-256 of an invitation token is stored; the link is shown once.
create table invitations (
    workspace_id text not null references workspaces (id),
    id text not null,
    token_hash blob not null,
    role text not null check (role in ('admin', 'member')),
    created_by text not null,
    created_at text not null,
    expires_at text not null,
    accepted_at text,
    accepted_by text,
    primary key (workspace_id, id)
);
-- Tokens are 32 random bytes; a plain index keeps the unique keys workspace-led.
create index invitations_by_token on invitations (token_hash);

-- What a change acted on when it is not an API key (a member, an invitation).
alter table audit_log add column target text;

create table settings (
    key text primary key,
    value text not null
);
