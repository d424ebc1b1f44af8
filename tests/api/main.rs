//! Integration tests: each spawns the real server on port 0 with a fresh database and talks to
//! it over HTTP, the way a client does.

mod analysis;
mod auth;
mod cli;
mod cluster;
mod hardening;
mod input;
mod manage;
mod openapi;
mod pages;
mod permissions;
mod projects;
mod ratelimit;
mod readme;
mod service;
mod store_contract;
mod store_upgrade;
mod support;
mod transcripts;
