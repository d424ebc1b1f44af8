-- Nothing to do: client JSON (transcript and turn metadata, tool calls and tool results) is
-- stored as json, which keeps the text exactly as it was sent, since 0003. This version is kept
-- so that both backends number their migrations alike. To index a field of metadata, index an
-- expression, e.g. create index on transcripts ((metadata::jsonb ->> 'channel'));
-- (see docs/deploy.md).
select 1;
