//! Integration tests: each spawns the real server on port 0 with a fresh database and talks to
//! it over HTTP, the way a client does.

mod helpers;
mod service;
