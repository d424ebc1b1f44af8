//! The dashboard's pages over HTTP: sign-in by form (cookie flags), sign-out, redirects for
//! visitors who are not signed in, the 404 and 403 pages, what members without admin rights
//! see, escaping of user-supplied text, and the embedded assets.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderMap, LOCATION, SET_COOKIE};
use serde_json::json;

use crate::support::{
    Actor, Member, MemberRole, PASSWORD, ProjectId, SecretToken, TestApp, Timestamp, TranscriptId,
    WorkspaceId, example_transcript, percent_encode, read,
};

/// A response as a browser without redirects sees it.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn set_cookie(&self) -> Option<&str> {
        self.headers.get(SET_COOKIE).and_then(|v| v.to_str().ok())
    }

    fn assert_html(&self, status: StatusCode, what: &str) {
        assert_eq!(self.status, status, "{what}: {}", self.body);
        let content_type = self.headers.get(CONTENT_TYPE).unwrap().to_str().unwrap();
        assert!(
            content_type.starts_with("text/html"),
            "{what}: content type {content_type}"
        );
        assert!(
            self.body.starts_with("<!doctype html>"),
            "{what}: {}",
            self.body
        );
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

async fn read_page(response: reqwest::Response) -> Page {
    Page {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.expect("a body"),
    }
}

/// GET `path`, with the session cookie if one is given.
async fn get_page(app: &TestApp, path: &str, cookie: Option<&str>) -> Page {
    let mut request = browser().get(format!("{}{path}", app.address));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    read_page(request.send().await.expect("request sent")).await
}

/// POST a form body (already encoded) to `path`.
async fn post_form(app: &TestApp, path: &str, body: &str, headers: &[(&str, &str)]) -> Page {
    let mut request = browser()
        .post(format!("{}{path}", app.address))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read_page(request.send().await.expect("request sent")).await
}

/// Signs in through the form; returns the `Cookie` header value for the new session.
async fn sign_in(app: &TestApp, email: &str, next: &str) -> (Page, String) {
    let body = format!(
        "email={}&password={}&next={}",
        percent_encode(email),
        percent_encode(PASSWORD),
        percent_encode(next)
    );
    let page = post_form(app, "/login", &body, &[]).await;
    let cookie = page
        .set_cookie()
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_string();
    (page, cookie)
}

/// A workspace with an owner, a project and one uploaded transcript.
struct Fixture {
    ws: WorkspaceId,
    owner: Member,
    key: String,
    project: String,
    transcript: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let ws = app.workspace("Acme").await;
    let owner = app
        .add_member(ws, "owner@example.com", MemberRole::Owner)
        .await;
    let key = app.key(ws, &[]).await;
    let project = app.project(&key, "Support bot").await;
    let (status, body) = app.upload(&key, &project, &example_transcript()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let transcript = body["data"]["id"].as_str().unwrap().to_string();
    Fixture {
        ws,
        owner,
        key,
        project,
        transcript,
    }
}

#[tokio::test]
async fn signing_in_through_the_form_sets_an_http_only_same_site_session_cookie() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let next = format!("/w/{}/projects", f.ws);

    let (page, cookie) = sign_in(&app, "Owner@Example.com", &next).await;

    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), next);
    let set_cookie = page.set_cookie().expect("a session cookie");
    assert!(set_cookie.starts_with("halfpipe_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    let projects = get_page(&app, &next, Some(&cookie)).await;
    projects.assert_html(StatusCode::OK, "projects after sign-in");
    assert!(projects.body.contains(r#"id="sign-out""#));
    assert!(projects.body.contains("owner@example.com"));
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_with_an_error_and_no_cookie() {
    let app = TestApp::spawn().await;
    fixture(&app).await;

    let page = post_form(
        &app,
        "/login",
        "email=owner%40example.com&password=wrong-password&next=%2F",
        &[],
    )
    .await;

    page.assert_html(StatusCode::UNAUTHORIZED, "wrong password");
    assert!(
        page.set_cookie().is_none(),
        "no session for a wrong password"
    );
    assert!(page.body.contains(r#"id="login-error""#), "{}", page.body);
    assert!(
        page.body.contains(r#"value="owner@example.com""#),
        "the email is kept"
    );
    for id in ["email", "password", "sign-in"] {
        assert!(page.body.contains(&format!(r#"id="{id}""#)), "#{id}");
    }
}

#[tokio::test]
async fn sign_in_never_redirects_to_another_site() {
    let app = TestApp::spawn().await;
    fixture(&app).await;
    for next in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let (page, _) = sign_in(&app, "owner@example.com", next).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(page.location(), "/", "next={next}");
    }
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_back() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;

    let home = get_page(&app, "/", None).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/login");

    let paths = [
        format!("/w/{}/projects?page=2", f.ws),
        format!("/w/{}/projects/{}", f.ws, f.project),
        format!("/w/{}/projects/{}/transcripts", f.ws, f.project),
        format!("/w/{}/transcripts/{}", f.ws, f.transcript),
        format!("/w/{}/settings/api-keys", f.ws),
        format!("/w/{}/members", f.ws),
        format!("/w/{}/audit-log", f.ws),
    ];
    for path in paths {
        let page = get_page(&app, &path, None).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            page.location(),
            format!("/login?next={}", encode_path(&path)),
            "{path}"
        );
    }
    let login = get_page(&app, "/login?next=%2Fw%2Fx", None).await;
    login.assert_html(StatusCode::OK, "sign-in page");
    assert!(
        login.body.contains(r#"name="next" value="/w/x""#),
        "{}",
        login.body
    );
}

/// How the server encodes `next`: like [`percent_encode`], but `/` stays.
fn encode_path(path: &str) -> String {
    percent_encode(path).replace("%2F", "/")
}

#[tokio::test]
async fn home_goes_to_the_first_workspace() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let cookie = app.sign_in(&f.owner.email).await.cookie;
    let home = get_page(&app, "/", Some(&cookie)).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), format!("/w/{}/projects", f.ws));
}

#[tokio::test]
async fn every_page_renders_for_a_member() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let viewer = app
        .add_member(f.ws, "viewer@example.com", MemberRole::Member)
        .await;
    let cookie = app.sign_in(&viewer.email).await.cookie;
    let project_id = ProjectId::parse(&f.project).unwrap();
    let transcript_id: TranscriptId = f.transcript.parse().unwrap();
    app.store
        .put_report(
            f.ws,
            project_id,
            &json!({"overview": "Customers ask for refunds.", "issues": ["Double charges"]})
                .to_string(),
            &json!([{
                "rank": 1, "title": "Duplicate charges", "description": "Cards charged twice.",
                "tags": ["billing"], "severity": "high", "flagged_count": 1,
                "quotes": [{"text": "I was charged twice", "transcript_id": f.transcript, "speaker": "user"}],
                "why_it_matters": {"user_impact": "Lost trust", "action_to_take": "Fix billing"},
                "category_breakdown": [{"category": "billing", "count": 1}],
                "transcript_ids": [f.transcript],
            }])
            .to_string(),
        )
        .await
        .unwrap();
    let annotations = BTreeMap::from([("sentiment".to_string(), "negative".to_string())]);
    app.store
        .set_annotations(f.ws, transcript_id, &annotations)
        .await
        .unwrap();

    let ws = f.ws;
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("/w/{ws}/projects"),
            vec!["project-link", "Support bot", r#"id="workspace-switcher""#],
        ),
        (
            format!("/w/{ws}/projects/{}", f.project),
            vec![
                "Customers ask for refunds.",
                "Double charges",
                "Duplicate charges",
                "Fix billing",
                "project-transcripts-link",
            ],
        ),
        (
            format!("/w/{ws}/projects/{}/transcripts", f.project),
            vec!["transcript-link", "Refund request", r#"id="filter-q""#],
        ),
        (
            format!(
                "/w/{ws}/projects/{}/transcripts?q=refund&model_name=gpt-4o&date_from=2026-03-01",
                f.project
            ),
            vec!["transcript-link", r#"value="refund""#],
        ),
        (
            format!("/w/{ws}/transcripts/{}", f.transcript),
            vec![
                "turn turn-user",
                "turn turn-assistant",
                "turn turn-tool",
                "lookup_order",
                "A-1001",
                r#"data-key="sentiment""#,
                "negative",
            ],
        ),
        (
            format!("/w/{ws}/settings/api-keys"),
            vec!["api-keys-table", "data-key-id=", "Full access"],
        ),
        (
            format!("/w/{ws}/members"),
            vec!["owner@example.com", "viewer@example.com", "members-table"],
        ),
        (
            format!("/w/{ws}/audit-log"),
            vec!["audit-log-table", "api_key.created"],
        ),
    ];
    for (path, expected) in cases {
        let page = get_page(&app, &path, Some(&cookie)).await;
        page.assert_html(StatusCode::OK, &path);
        assert_eq!(
            page.headers.get(CACHE_CONTROL).unwrap(),
            "no-store",
            "{path}: private pages are not cached"
        );
        assert!(
            page.headers.contains_key("content-security-policy"),
            "{path}: a CSP"
        );
        for needle in expected {
            assert!(page.body.contains(needle), "{path}: expected {needle:?}");
        }
    }

    let filtered = get_page(
        &app,
        &format!(
            "/w/{ws}/projects/{}/transcripts?q=nothingmatches",
            f.project
        ),
        Some(&cookie),
    )
    .await;
    filtered.assert_html(StatusCode::OK, "a search without results");
    assert!(filtered.body.contains(r#"id="transcripts-empty""#));
    assert!(!filtered.body.contains("transcript-link"));
}

#[tokio::test]
async fn empty_states_say_how_to_upload() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("Fresh").await;
    let owner = app
        .add_member(ws, "owner@example.com", MemberRole::Owner)
        .await;
    let cookie = app.sign_in(&owner.email).await.cookie;

    let projects = get_page(&app, &format!("/w/{ws}/projects"), Some(&cookie)).await;
    projects.assert_html(StatusCode::OK, "no projects");
    assert!(projects.body.contains(r#"id="projects-empty""#));
    assert!(
        projects.body.contains("curl -s http://127.0.0.1:"),
        "a curl example"
    );
    assert!(projects.body.contains("/public/api/v1/projects"));

    let keys = get_page(&app, &format!("/w/{ws}/settings/api-keys"), Some(&cookie)).await;
    keys.assert_html(StatusCode::OK, "no keys");
    assert!(keys.body.contains(r#"id="keys-empty""#));
    assert!(keys.body.contains(r#"id="create-key-button""#));
}

#[tokio::test]
async fn an_invalid_filter_is_explained_on_the_page() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let cookie = app.sign_in(&f.owner.email).await.cookie;
    let page = get_page(
        &app,
        &format!(
            "/w/{}/projects/{}/transcripts?date_from=yesterday",
            f.ws, f.project
        ),
        Some(&cookie),
    )
    .await;
    page.assert_html(StatusCode::BAD_REQUEST, "bad date_from");
    assert!(page.body.contains(r#"id="filter-error""#));
    assert!(page.body.contains("date_from"));
    assert!(page.body.contains(
        r#"id="filter-date_from" name="date_from" value="yesterday" aria-invalid="true""#
    ));
}

#[tokio::test]
async fn a_date_filter_past_year_9999_is_explained_on_the_page() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let cookie = app.sign_in(&f.owner.email).await.cookie;
    let page = get_page(
        &app,
        &format!(
            "/w/{}/projects/{}/transcripts?date_to={}",
            f.ws,
            f.project,
            percent_encode("9999-12-31T23:59:59-23:59")
        ),
        Some(&cookie),
    )
    .await;
    page.assert_html(StatusCode::BAD_REQUEST, "date_to past year 9999");
    assert!(page.body.contains(r#"id="filter-error""#));
    assert!(page.body.contains(r#"id="filter-date_to" name="date_to""#));
}

#[tokio::test]
async fn unknown_things_are_404_pages_and_foreign_workspaces_403_pages() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let cookie = app.sign_in(&f.owner.email).await.cookie;
    let other = app.workspace("Other").await;
    let ws = f.ws;

    let cases = [
        (
            format!("/w/{}/projects", WorkspaceId::new()),
            StatusCode::NOT_FOUND,
        ),
        (
            "/w/not-a-workspace/projects".to_string(),
            StatusCode::NOT_FOUND,
        ),
        (format!("/w/{other}/projects"), StatusCode::FORBIDDEN),
        (
            format!("/w/{other}/settings/api-keys"),
            StatusCode::FORBIDDEN,
        ),
        (format!("/w/{ws}/projects/hp-nope"), StatusCode::NOT_FOUND),
        (
            format!("/w/{ws}/projects/{}", ProjectId::new()),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/w/{ws}/transcripts/{}", TranscriptId::new()),
            StatusCode::NOT_FOUND,
        ),
        (format!("/w/{ws}/no-such-page"), StatusCode::NOT_FOUND),
        (
            "/invite/not-a-real-token".to_string(),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (path, status) in cases {
        let page = get_page(&app, &path, Some(&cookie)).await;
        page.assert_html(status, &path);
        assert!(
            page.body
                .contains(&format!(r#"data-status="{}""#, status.as_u16())),
            "{path}: the error page"
        );
    }
    let json = get_page(&app, "/api/v1/workspaces/nope/api-keys", Some(&cookie)).await;
    assert!(
        json.body.starts_with('{'),
        "the API still answers JSON: {}",
        json.body
    );
}

#[tokio::test]
async fn a_browser_asking_for_an_unknown_address_gets_the_404_page_and_api_clients_json() {
    let app = TestApp::spawn().await;
    let html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let get = |path: &str, accept: Option<&str>| {
        let mut request = browser().get(format!("{}{path}", app.address));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        request.send()
    };

    for path in ["/nothing-here", "/w", "/settings/api-keys"] {
        let page = read_page(get(path, Some(html)).await.expect("request sent")).await;
        page.assert_html(StatusCode::NOT_FOUND, path);
        assert!(
            page.body.contains(r#"data-status="404""#),
            "{path}: the dashboard's error page"
        );
        assert_eq!(
            page.headers["x-frame-options"], "DENY",
            "{path}: the page headers"
        );
    }
    let cases = [
        ("/nothing-here", None, "no Accept header"),
        ("/nothing-here", Some("application/json"), "an API client"),
        (
            "/public/api/v1/nothing-here",
            Some(html),
            "the public API, even for a browser",
        ),
        (
            "/api/v1/nothing-here",
            Some(html),
            "the management API, even for a browser",
        ),
    ];
    for (path, accept, who) in cases {
        let response = get(path, accept).await.expect("request sent");
        let (status, body) = read(response).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {body}");
        assert_eq!(body["error"]["type"], "not_found_error", "{who}: {body}");
    }
}

#[tokio::test]
async fn members_without_admin_rights_get_no_manage_controls() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let admin = app
        .add_member(f.ws, "admin@example.com", MemberRole::Admin)
        .await;
    let plain = app
        .add_member(f.ws, "plain@example.com", MemberRole::Member)
        .await;
    let keys = format!("/w/{}/settings/api-keys", f.ws);
    let people = format!("/w/{}/members", f.ws);
    let key_controls = [
        "create-key-button",
        "create-key-dialog",
        "revoke-key",
        "delete-key",
        "confirm-dialog",
    ];
    let member_controls = [
        "invite-form",
        "remove-member",
        "change-role",
        "transfer-ownership",
    ];

    let cookie = app.sign_in(&plain.email).await.cookie;
    let page = get_page(&app, &keys, Some(&cookie)).await;
    page.assert_html(StatusCode::OK, "keys as a member");
    assert!(page.body.contains("data-key-id="), "members see the list");
    assert!(page.body.contains(r#"id="read-only-note""#));
    for control in key_controls {
        assert!(
            !page.body.contains(control),
            "a member must not get {control}"
        );
    }
    let page = get_page(&app, &people, Some(&cookie)).await;
    page.assert_html(StatusCode::OK, "members as a member");
    for control in member_controls {
        assert!(
            !page.body.contains(control),
            "a member must not get {control}"
        );
    }

    let cookie = app.sign_in(&admin.email).await.cookie;
    let page = get_page(&app, &keys, Some(&cookie)).await;
    for control in key_controls {
        assert!(page.body.contains(control), "an admin gets {control}");
    }
    let page = get_page(&app, &people, Some(&cookie)).await;
    assert!(page.body.contains("invite-form"));
    assert!(page.body.contains("remove-member"), "admins remove members");
    assert!(
        !page.body.contains("transfer-ownership") && !page.body.contains("change-role"),
        "only the owner changes roles and transfers ownership"
    );
    assert!(
        !page
            .body
            .contains(r#"<option value="admin">Admin</option>"#),
        "only the owner invites admins"
    );

    let cookie = app.sign_in(&f.owner.email).await.cookie;
    let page = get_page(&app, &people, Some(&cookie)).await;
    for control in member_controls {
        assert!(page.body.contains(control), "the owner gets {control}");
    }
}

#[tokio::test]
async fn names_and_contents_are_escaped() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("<b>Evil</b> Corp").await;
    let owner = app
        .add_member(ws, "owner@example.com", MemberRole::Owner)
        .await;
    let cookie = app.sign_in(&owner.email).await.cookie;
    let key = app.key(ws, &[]).await;
    let script = "<script>alert(1)</script>";
    let project = app.project(&key, script).await;
    let (status, body) = app
        .upload(
            &key,
            &project,
            &json!({
                "name": script,
                "modelName": "\"><img src=x onerror=alert(2)>",
                "metadata": {"note": script},
                "turns": [
                    {"role": "user", "content": "<img src=x onerror=alert(3)>"},
                    {"role": "assistant", "content": "ok", "toolCalls": [{"name": script, "args": {"x": script}}]}
                ]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let transcript = body["data"]["id"].as_str().unwrap().to_string();

    for path in [
        format!("/w/{ws}/projects"),
        format!("/w/{ws}/projects/{project}"),
        format!("/w/{ws}/projects/{project}/transcripts"),
        format!("/w/{ws}/transcripts/{transcript}"),
    ] {
        let page = get_page(&app, &path, Some(&cookie)).await;
        page.assert_html(StatusCode::OK, &path);
        for raw in ["<script>alert", "<img src=x", "<b>Evil</b>"] {
            assert!(!page.body.contains(raw), "{path}: {raw:?} must be escaped");
        }
        assert!(
            page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                || page.body.contains("&#60;script&#62;"),
            "{path}: the name is shown, escaped"
        );
    }
}

#[tokio::test]
async fn a_key_plaintext_never_appears_on_a_page() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let cookie = app.sign_in(&f.owner.email).await.cookie;
    for path in [
        format!("/w/{}/settings/api-keys", f.ws),
        format!("/w/{}/audit-log", f.ws),
    ] {
        let page = get_page(&app, &path, Some(&cookie)).await;
        page.assert_html(StatusCode::OK, &path);
        assert!(!page.body.contains(&f.key), "{path} shows a plaintext key");
        let secret = &f.key["sk-bigspin-api03-".len()..];
        assert!(
            !page.body.contains(&secret[..20]),
            "{path} shows part of a secret"
        );
    }
    let keys = get_page(
        &app,
        &format!("/w/{}/settings/api-keys", f.ws),
        Some(&cookie),
    )
    .await;
    assert!(
        keys.body.contains("sk-bigspin-api03-"),
        "the masked hint is shown"
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let (_, cookie) = sign_in(&app, "owner@example.com", "/").await;
    let projects = format!("/w/{}/projects", f.ws);
    assert_eq!(
        get_page(&app, &projects, Some(&cookie)).await.status,
        StatusCode::OK
    );

    let mut request = browser()
        .post(format!("{}/logout", app.address))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin");
    request = request.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    let out = read_page(request.send().await.unwrap()).await;

    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert_eq!(out.location(), "/login");
    let cleared = out.set_cookie().expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = get_page(&app, &projects, Some(&cookie)).await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
    assert!(after.location().starts_with("/login"));
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let cookie = app.sign_in(&f.owner.email).await.cookie;
    let body = format!(
        "email=owner%40example.com&password={}",
        percent_encode(PASSWORD)
    );
    let login = post_form(&app, "/login", &body, &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
    assert!(login.set_cookie().is_none());
    let logout = post_form(
        &app,
        "/logout",
        "",
        &[("cookie", &cookie), ("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    let still = get_page(&app, &format!("/w/{}/projects", f.ws), Some(&cookie)).await;
    assert_eq!(still.status, StatusCode::OK, "the session survived");
}

#[tokio::test]
async fn an_invitation_link_shows_the_workspace_and_role() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let token = SecretToken::generate();
    let expires = Timestamp::from_unix_millis(Timestamp::now().unix_millis() + 86_400_000).unwrap();
    app.store
        .create_invitation(
            f.ws,
            token.hash(),
            MemberRole::Admin,
            &Actor("owner@example.com".into()),
            expires,
        )
        .await
        .unwrap();
    let path = format!("/invite/{}", token.expose());

    let anonymous = get_page(&app, &path, None).await;
    anonymous.assert_html(StatusCode::OK, "invitation, signed out");
    assert!(anonymous.body.contains("Acme"));
    assert!(anonymous.body.contains(r#"id="invitation-role">admin<"#));
    assert!(anonymous.body.contains(r#"id="invite-email""#));
    assert!(anonymous.body.contains(r#"id="invite-password""#));
    assert_eq!(
        anonymous.headers.get("referrer-policy").unwrap(),
        "no-referrer"
    );

    let newcomer = {
        let other = app.workspace("Elsewhere").await;
        app.add_member(other, "new@example.com", MemberRole::Owner)
            .await
    };
    let cookie = app.sign_in(&newcomer.email).await.cookie;
    let signed_in = get_page(&app, &path, Some(&cookie)).await;
    signed_in.assert_html(StatusCode::OK, "invitation, signed in");
    assert!(signed_in.body.contains(r#"id="accept-invite""#));
    assert!(signed_in.body.contains("new@example.com"));
    assert!(!signed_in.body.contains(r#"id="invite-password""#));
}

#[tokio::test]
async fn assets_are_embedded_and_cached_by_version() {
    let app = TestApp::spawn().await;
    let login = get_page(&app, "/login", None).await;
    for (asset, content_type) in [
        ("/assets/app.css?v=", "text/css"),
        ("/assets/app.js?v=", "text/javascript"),
    ] {
        let start = login
            .body
            .find(asset)
            .unwrap_or_else(|| panic!("{asset} linked"));
        let end = start + login.body[start..].find('"').unwrap();
        let url = &login.body[start..end];
        let page = get_page(&app, url, None).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        let served_type = page.headers.get(CONTENT_TYPE).unwrap().to_str().unwrap();
        assert!(
            served_type.starts_with(content_type),
            "{url}: {served_type}"
        );
        let cache = page.headers.get(CACHE_CONTROL).unwrap().to_str().unwrap();
        assert!(cache.contains("immutable"), "{url}: {cache}");
        assert!(page.body.len() > 1000, "{url} has content");
        let stale = get_page(
            &app,
            &format!("{}old", &url[..url.find("v=").unwrap() + 2]),
            None,
        )
        .await;
        assert_eq!(
            stale.headers.get(CACHE_CONTROL).unwrap(),
            "no-cache",
            "{url}"
        );
    }
}

#[tokio::test]
async fn repeated_wrong_passwords_are_throttled_with_a_message() {
    let app = TestApp::spawn().await;
    fixture(&app).await;
    let wrong = "email=owner%40example.com&password=wrong-password";
    for attempt in 1..=5 {
        let page = post_form(&app, "/login", wrong, &[]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let throttled = post_form(&app, "/login", wrong, &[]).await;
    throttled.assert_html(StatusCode::TOO_MANY_REQUESTS, "sixth wrong password");
    assert!(throttled.headers.contains_key("retry-after"));
    assert!(
        throttled.body.contains("Too many failed sign-ins"),
        "{}",
        throttled.body
    );
}

#[tokio::test]
async fn the_workspace_switcher_keeps_the_section() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let second = app.workspace("Beta").await;
    app.store
        .add_membership(second, &f.owner, MemberRole::Admin, &Actor("test".into()))
        .await
        .unwrap();
    let cookie = app.sign_in(&f.owner.email).await.cookie;

    let members = get_page(&app, &format!("/w/{}/members", f.ws), Some(&cookie)).await;
    assert!(
        members
            .body
            .contains(&format!(r#"<option value="{second}">Beta</option>"#)),
        "{}",
        members.body
    );
    assert!(members.body.contains(r#"name="section" value="members""#));

    let cases = [
        (
            format!("/switch?workspace={second}&section=members"),
            format!("/w/{second}/members"),
        ),
        (
            format!("/switch?workspace={second}&section=settings%2Fapi-keys"),
            format!("/w/{second}/settings/api-keys"),
        ),
        (
            format!("/switch?workspace={second}&section=..%2Fevil"),
            format!("/w/{second}/projects"),
        ),
    ];
    for (path, expected) in cases {
        let page = get_page(&app, &path, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), expected, "{path}");
    }
    let signed_in = get_page(&app, "/login?next=%2Fw%2Fsomewhere", Some(&cookie)).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "signed in already");
    assert_eq!(signed_in.location(), "/w/somewhere");
}
