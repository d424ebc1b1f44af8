//! Halfpipe: a self-hosted server for the Bigspin public API.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod model;
pub mod ratelimit;
pub mod store;
pub mod tokens;
