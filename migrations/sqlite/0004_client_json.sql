-- Nothing to change on SQLite: client JSON (metadata, tool calls and results) has always been
-- stored as the text the application writes, which is now the text the client sent. This
-- file keeps the version numbers in step with migrations/postgres (0004_client_json.sql).
-- (PostgreSQL's 0003, native column types, has no SQLite counterpart.)
select 1;
