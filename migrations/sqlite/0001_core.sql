-- Workspaces, API keys, audit log, projects, transcripts, turns, annotations, reports.
-- Every table leads with workspace_id, the key a distributed deployment shards by.

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
    key_hash blob not null,
    hint text not null,
    permissions text not null default '',
    status text not null default 'active' check (status in ('active', 'revoked')),
    legacy integer not null default 0 check (legacy in (0, 1)),
    created_at text not null,
    created_by text not null,
    last_used_at text,
    expires_at text,
    primary key (workspace_id, id)
);
create unique index api_keys_by_hash on api_keys (key_hash);
create unique index api_keys_by_id on api_keys (id);

-- Every key change, so that each node's cache can drop what changed (polled; see auth::cache).
create table api_key_changes (
    seq integer primary key autoincrement,
    workspace_id text not null,
    key_hash blob not null,
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
    is_default integer not null default 0,
    transcript_count integer not null default 0,
    latest_transcript_at text,
    created_at text not null,
    updated_at text not null,
    primary key (workspace_id, id)
);
create unique index projects_by_id on projects (id);
create unique index projects_one_default on projects (workspace_id) where is_default = 1;
create index projects_newest on projects (workspace_id, created_at desc, id desc);

create table transcripts (
    -- Integer key shared with the full-text index.
    seq integer primary key,
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
    turn_count integer not null,
    user_turn_count integer not null,
    assistant_turn_count integer not null,
    total_token_count integer not null,
    user_token_count integer not null,
    assistant_token_count integer not null,
    fingerprint blob not null,
    -- source_timestamp, or created_at when there is none: what date filters apply to.
    effective_at text not null,
    created_at text not null,
    created_by text not null,
    foreign key (workspace_id, project_id) references projects (workspace_id, id)
);
create unique index transcripts_by_id on transcripts (workspace_id, id);
create unique index transcripts_global_id on transcripts (id);
create unique index transcripts_by_external_id
    on transcripts (workspace_id, project_id, external_id) where external_id is not null;
create index transcripts_newest on transcripts (workspace_id, project_id, created_at desc, id desc);
create index transcripts_effective on transcripts (workspace_id, project_id, effective_at);

-- One document per transcript (rowid = transcripts.seq): the distinct words of its name and
-- turns, built by the application (model::transcript::search_document).
create virtual table transcripts_fts using fts5 (
    document,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

create table turns (
    workspace_id text not null,
    transcript_id text not null,
    idx integer not null,
    role text not null,
    content text not null,
    token_count integer not null,
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
