//! The dashboard's one stylesheet and one script, embedded in the binary. Pages link them with
//! a content hash in the query (`/assets/app.css?v=…`), so a browser may cache them for a year
//! and still sees a new version at once after an upgrade.

use std::sync::LazyLock;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::http::QueryParams;
use crate::state::AppState;

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");

/// The versioned URLs of the assets, for templates.
#[derive(Debug, Clone, Copy)]
pub struct Assets {
    pub css: &'static str,
    pub js: &'static str,
}

struct Versions {
    css: String,
    js: String,
    css_url: String,
    js_url: String,
}

static VERSIONS: LazyLock<Versions> = LazyLock::new(|| {
    let version = |text: &str| hex::encode(&Sha256::digest(text.as_bytes())[..6]);
    let (css, js) = (version(CSS), version(JS));
    Versions {
        css_url: format!("/assets/app.css?v={css}"),
        js_url: format!("/assets/app.js?v={js}"),
        css,
        js,
    }
});

impl Assets {
    pub fn get() -> Self {
        let v: &'static Versions = &VERSIONS;
        Self {
            css: &v.css_url,
            js: &v.js_url,
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
}

async fn css(query: QueryParams) -> Response {
    serve(CSS, "text/css; charset=utf-8", &VERSIONS.css, &query)
}

async fn js(query: QueryParams) -> Response {
    serve(JS, "text/javascript; charset=utf-8", &VERSIONS.js, &query)
}

/// The asset; cached for a year when the URL names its current version, else revalidated.
fn serve(
    body: &'static str,
    content_type: &'static str,
    version: &str,
    query: &QueryParams,
) -> Response {
    let cache = if query.get("v") == Some(version) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        StatusCode::OK,
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}
