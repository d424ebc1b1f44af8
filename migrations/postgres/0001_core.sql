-- Workspaces, API keys, audit log, projects, transcripts, turns, annotations, reports.
-- Every table leads with workspace_id, the distribution column of a sharded deployment, and no
-- query joins rows of different workspaces. On Citus, workspaces, api_keys and api_key_changes
-- (small, looked up by key hash) become reference tables and every other table is distributed
-- by workspace_id; see docs/deploy.md. Timestamps are RFC 3339 text in UTC with
-- milliseconds, the same form on both backends, so that they sort and compare as text.

create table workspaces (
    id text primary key,
    name text not null,
    created_at text not null
);

create table api_keys (
    workspace_id text not null references workspaces (id),
    id text not null,
    name text not null,
    description text,
    key_hash bytea not null,
    hint text not null,
    permissions text not null default '',
    status text not null default 'active' check (status in ('active', 'revoked')),
    legacy bigint not null default 0 check (legacy in (0, 1)),
    created_at text not null,
    created_by text not null,
    last_used_at text,
    expires_at text,
    primary key (workspace_id, id)
);
create unique index api_keys_by_hash on api_keys (key_hash);
create unique index api_keys_by_id on api_keys (id);

-- Every key change, so that each node's cache can drop what changed (polled, and announced
-- with NOTIFY halfpipe_key_changes).
create table api_key_changes (
    seq bigserial primary key,
    workspace_id text not null,
    key_hash bytea not null,
    changed_at text not null
);

create table audit_log (
    workspace_id text not null,
    id text not null,
    actor text not null,
    action text not null,
    key_id text,
    created_at text not null,
    primary key (workspace_id, id)
);

create table projects (
    workspace_id text not null references workspaces (id),
    id text not null,
    name text not null,
    domain_pack text not null,
    is_default bigint not null default 0 check (is_default in (0, 1)),
    transcript_count bigint not null default 0,
    latest_transcript_at text,
    created_at text not null,
    updated_at text not null,
    primary key (workspace_id, id)
);
-- Ids are UUIDs; this index finds a project's workspace (403 versus 404) without making a
-- unique constraint that leaves out the distribution column.
create index projects_by_id on projects (id);
create unique index projects_one_default on projects (workspace_id) where is_default = 1;
create index projects_newest on projects (workspace_id, created_at desc, id desc);

create table transcripts (
    seq bigserial not null,
    workspace_id text not null,
    id text not null,
    project_id text not null,
    name text not null,
    model_name text,
    language text,
    source_system text,
    external_id text,
    external_user_id text,
    source_timestamp text,
    metadata text,
    turn_count bigint not null,
    user_turn_count bigint not null,
    assistant_turn_count bigint not null,
    total_token_count bigint not null,
    user_token_count bigint not null,
    assistant_token_count bigint not null,
    fingerprint bytea not null,
    -- source_timestamp, or created_at when there is none: what date filters apply to.
    effective_at text not null,
    created_at text not null,
    created_by text not null,
    primary key (workspace_id, id),
    foreign key (workspace_id, project_id) references projects (workspace_id, id)
);
create index transcripts_by_bare_id on transcripts (id);
create unique index transcripts_by_external_id
    on transcripts (workspace_id, project_id, external_id) where external_id is not null;
create index transcripts_newest on transcripts (workspace_id, project_id, created_at desc, id desc);
create index transcripts_effective on transcripts (workspace_id, project_id, effective_at);

-- One document per transcript: the distinct words of its name and turns, built by the
-- application (model::transcript::search_document), as a tsvector without positions.
create table transcript_search (
    workspace_id text not null,
    transcript_id text not null,
    document tsvector not null,
    primary key (workspace_id, transcript_id)
);
create index transcript_search_document on transcript_search using gin (document);

create table turns (
    workspace_id text not null,
    transcript_id text not null,
    idx bigint not null,
    role text not null,
    content text not null,
    token_count bigint not null,
    tool_calls text,
    tool_results text,
    metadata text,
    created_at text,
    primary key (workspace_id, transcript_id, idx)
);

create table annotations (
    workspace_id text not null,
    transcript_id text not null,
    key text not null,
    value text not null,
    primary key (workspace_id, transcript_id, key)
);
create index annotations_by_value on annotations (workspace_id, key, value);

create table reports (
    workspace_id text not null,
    project_id text not null,
    executive_summary text not null,
    insights text not null,
    created_at text not null,
    primary key (workspace_id, project_id)
);
