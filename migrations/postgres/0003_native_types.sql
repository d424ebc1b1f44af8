-- Native column types, converted in place: ids become uuid (a project id's "hp-" prefix is the
-- application's and is no longer stored), timestamps timestamptz, 0/1 flags boolean, the JSON
-- that clients sent json (kept verbatim, `\u0000` escapes included) and the reports the server
-- writes jsonb. Every value is kept. Every table still leads with workspace_id.
--
-- Foreign keys, the 0/1 checks and the partial index on is_default depend on the columns'
-- types, so they are dropped first and recreated after. The migration runs in one
-- transaction: it either converts everything or nothing.

-- Timestamps that clients sent may lie in year 0000, which RFC 3339 writes but PostgreSQL's
-- text input does not read (it has no year 0: 0000 is 1 BC).
create function halfpipe_instant(t text) returns timestamptz language sql stable as $$
    select case when t like '0000-%' then ('0001' || substr(t, 5) || ' BC')::timestamptz
                else t::timestamptz end
$$;

alter table api_keys drop constraint api_keys_workspace_id_fkey;
alter table projects drop constraint projects_workspace_id_fkey;
alter table transcripts drop constraint transcripts_workspace_id_project_id_fkey;
alter table memberships drop constraint memberships_workspace_id_fkey;
alter table memberships drop constraint memberships_member_id_fkey;
alter table sessions drop constraint sessions_member_id_fkey;
alter table invitations drop constraint invitations_workspace_id_fkey;

alter table api_keys drop constraint api_keys_legacy_check;
alter table projects drop constraint projects_is_default_check;
drop index projects_one_default;

alter table workspaces
    alter column id type uuid using id::uuid,
    alter column created_at type timestamptz using created_at::timestamptz;

alter table api_keys
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column id type uuid using id::uuid,
    alter column legacy drop default,
    alter column legacy type boolean using legacy <> 0,
    alter column legacy set default false,
    alter column created_at type timestamptz using created_at::timestamptz,
    alter column last_used_at type timestamptz using last_used_at::timestamptz,
    alter column expires_at type timestamptz using expires_at::timestamptz;

alter table api_key_changes
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column changed_at type timestamptz using changed_at::timestamptz;

alter table audit_log
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column id type uuid using id::uuid,
    alter column key_id type uuid using key_id::uuid,
    alter column created_at type timestamptz using created_at::timestamptz;

alter table projects
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column id type uuid using regexp_replace(id, '^hp-', '')::uuid,
    alter column is_default drop default,
    alter column is_default type boolean using is_default <> 0,
    alter column is_default set default false,
    alter column latest_transcript_at type timestamptz using latest_transcript_at::timestamptz,
    alter column created_at type timestamptz using created_at::timestamptz,
    alter column updated_at type timestamptz using updated_at::timestamptz;

alter table transcripts
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column id type uuid using id::uuid,
    alter column project_id type uuid using regexp_replace(project_id, '^hp-', '')::uuid,
    alter column source_timestamp type timestamptz using halfpipe_instant(source_timestamp),
    alter column metadata type json using metadata::json,
    alter column effective_at type timestamptz using halfpipe_instant(effective_at),
    alter column created_at type timestamptz using created_at::timestamptz;

alter table transcript_search
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column transcript_id type uuid using transcript_id::uuid;

alter table turns
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column transcript_id type uuid using transcript_id::uuid,
    alter column tool_calls type json using tool_calls::json,
    alter column tool_results type json using tool_results::json,
    alter column metadata type json using metadata::json,
    alter column created_at type timestamptz using halfpipe_instant(created_at);

alter table annotations
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column transcript_id type uuid using transcript_id::uuid;

alter table reports
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column project_id type uuid using regexp_replace(project_id, '^hp-', '')::uuid,
    alter column executive_summary type jsonb using executive_summary::jsonb,
    alter column insights type jsonb using insights::jsonb,
    alter column created_at type timestamptz using created_at::timestamptz;

alter table members
    alter column id type uuid using id::uuid,
    alter column created_at type timestamptz using created_at::timestamptz;

alter table memberships
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column member_id type uuid using member_id::uuid,
    alter column created_at type timestamptz using created_at::timestamptz;

alter table sessions
    alter column member_id type uuid using member_id::uuid,
    alter column created_at type timestamptz using created_at::timestamptz,
    alter column expires_at type timestamptz using expires_at::timestamptz;

alter table invitations
    alter column workspace_id type uuid using workspace_id::uuid,
    alter column id type uuid using id::uuid,
    alter column created_at type timestamptz using created_at::timestamptz,
    alter column expires_at type timestamptz using expires_at::timestamptz,
    alter column accepted_at type timestamptz using accepted_at::timestamptz;

create unique index projects_one_default on projects (workspace_id) where is_default;

alter table api_keys add constraint api_keys_workspace_id_fkey
    foreign key (workspace_id) references workspaces (id);
alter table projects add constraint projects_workspace_id_fkey
    foreign key (workspace_id) references workspaces (id);
alter table transcripts add constraint transcripts_workspace_id_project_id_fkey
    foreign key (workspace_id, project_id) references projects (workspace_id, id);
alter table memberships add constraint memberships_workspace_id_fkey
    foreign key (workspace_id) references workspaces (id);
alter table memberships add constraint memberships_member_id_fkey
    foreign key (member_id) references members (id);
alter table sessions add constraint sessions_member_id_fkey
    foreign key (member_id) references members (id);
alter table invitations add constraint invitations_workspace_id_fkey
    foreign key (workspace_id) references workspaces (id);

drop function halfpipe_instant(text);
