-- Client JSON is kept exactly as it was sent: transcript and turn metadata, tool calls and
-- tool results move from jsonb (which reorders object keys and drops spacing) to json, which
-- keeps the text verbatim and still takes the JSON operators (->, ->>, @> after a ::jsonb
-- cast). Converted in place, in one transaction; values stored before this migration keep
-- the normalized form jsonb gave them. Reports, which the server writes, stay jsonb.
-- To index a field of metadata, index an expression, e.g.
--   create index on transcripts ((metadata::jsonb ->> 'channel'));
-- (see docs/deploy.md).

alter table transcripts
    alter column metadata type json using metadata::json;

alter table turns
    alter column tool_calls type json using tool_calls::json,
    alter column tool_results type json using tool_results::json,
    alter column metadata type json using metadata::json;
