//! The dashboard: server-rendered pages (view models and handlers that only render).

mod assets;
mod form;
pub mod pages;
mod views;

use axum::Router;

use crate::state::AppState;

/// Every page route, and the assets.
pub fn router() -> Router<AppState> {
    pages::router()
}
