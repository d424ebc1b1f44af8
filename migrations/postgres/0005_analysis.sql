-- Analysis (SPEC §6.1): the queue of transcripts to analyze, filled in the upload's own
-- transaction; per-turn signals; and which analyzer version produced a transcript's results.
-- A job is queued until a worker completes it (and deletes it) or it has failed too often
-- (state 'failed', with its last error). Workers take due jobs with FOR UPDATE SKIP LOCKED and
-- move next_attempt_at forward by a lease, so several nodes share the queue, none takes a job
-- another holds, and a job whose worker died is taken again once the lease ends.

create table analysis_jobs (
    workspace_id uuid not null,
    transcript_id uuid not null,
    state text not null default 'queued' check (state in ('queued', 'failed')),
    attempts bigint not null default 0,
    next_attempt_at timestamptz not null,
    last_error text,
    created_at timestamptz not null,
    primary key (workspace_id, transcript_id)
);
create index analysis_jobs_due on analysis_jobs (state, next_attempt_at);

-- The taxonomy's signals of one turn, as a JSON array of names; turns without any are absent.
create table turn_signals (
    workspace_id uuid not null,
    transcript_id uuid not null,
    idx bigint not null,
    signals jsonb not null,
    primary key (workspace_id, transcript_id, idx)
);

alter table transcripts add column analyzed_at timestamptz;
alter table transcripts add column analyzer_version text;
