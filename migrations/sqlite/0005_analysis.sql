-- Analysis (SPEC §6.1): the queue of transcripts to analyze, filled in the upload's own
-- transaction; per-turn signals; and which analyzer version produced a transcript's results.
-- A job is queued until a worker completes it (and deletes it) or it has failed too often
-- (state 'failed', with its last error). A worker taking a job moves next_attempt_at forward
-- by a lease, so a job whose worker died is taken again once the lease ends.

create table analysis_jobs (
    workspace_id text not null,
    transcript_id text not null,
    state text not null default 'queued' check (state in ('queued', 'failed')),
    attempts integer not null default 0,
    next_attempt_at text not null,
    last_error text,
    created_at text not null,
    primary key (workspace_id, transcript_id)
);
create index analysis_jobs_due on analysis_jobs (state, next_attempt_at);

-- The taxonomy's signals of one turn, as a JSON array of names; turns without any are absent.
create table turn_signals (
    workspace_id text not null,
    transcript_id text not null,
    idx integer not null,
    signals text not null,
    primary key (workspace_id, transcript_id, idx)
);

alter table transcripts add column analyzed_at text;
alter table transcripts add column analyzer_version text;
