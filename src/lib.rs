//! Halfpipe: a self-hosted server for the Bigspin public API.
//!
//! The modules form layers that run one way (see `docs/architecture.md`): each may use only
//! those listed after it.
//! `cli` → `app` → `api` · `manage` · `dashboard` → `http` (with `error`) → `state` →
//! `service` (with `analysis`) → `auth` → `store` → `model` (with `config`).

pub mod analysis;
pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod http;
pub mod manage;
pub mod model;
pub mod service;
pub mod state;
pub mod store;
