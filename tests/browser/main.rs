//! Browser tests: a real headless Chromium (through chromedriver) uses the dashboard of a real
//! server spawned in-process on port 0 with a fresh database, the way a person does: signing
//! in through the form, clicking, typing, reading what the page shows.
//!
//! Every test launches its own browser and closes it. Waits are bounded (see [`WAIT`]); the only
//! sleeps are the short polls inside the wait helpers. They need Debian's chromium and
//! chromium-driver, so they are `#[ignore]`d: `cargo test` reports them as ignored, and
//! `cargo test --test browser -- --include-ignored` runs them (as `.ci/run` does, after
//! installing the browser), failing if there is no browser.

mod harness;
// The API tests' support module; these tests use only part of it.
#[path = "../api/support/mod.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use reqwest::StatusCode;
use serde_json::{Value, json};

use harness::Browser;
use support::{MemberRole, PASSWORD, TestApp, TranscriptId, WorkspaceId, example_transcript};

const KEY_PREFIX: &str = "sk-bigspin-api03-";
/// How long any one condition may take to come true.
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// A running server with the workspace "Acme", one person who belongs to it, and a browser.
struct Scene {
    app: TestApp,
    ws: WorkspaceId,
    email: String,
    browser: Browser,
}

/// A server, a workspace with a member of `role` (email `<role>@example.com`), and a browser.
async fn scene(role: MemberRole) -> Scene {
    let browser = Browser::launch().await;
    let app = TestApp::spawn().await;
    let ws = app.workspace("Acme").await;
    let email = format!("{}@example.com", format!("{role:?}").to_lowercase());
    app.add_member(ws, &email, role).await;
    Scene {
        app,
        ws,
        email,
        browser,
    }
}

impl Scene {
    /// The absolute URL of a path of the workspace, e.g. `ws_url("/settings/api-keys")`.
    fn ws_url(&self, rest: &str) -> String {
        format!("{}/w/{}{rest}", self.app.address, self.ws)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.address)
    }

    /// The path and query of the page the browser shows.
    async fn location(&self) -> String {
        let url = self.browser.client.current_url().await.expect("a URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Opens the protected page `url`, which sends a signed-out visitor to the sign-in form;
    /// signs in there and lands back on `url`.
    async fn sign_in_at(&self, url: &str) {
        let b = &self.browser;
        b.goto(url).await;
        b.find("#login-form").await;
        let here = self.location().await;
        assert!(here.starts_with("/login?next="), "sent to sign in: {here}");
        b.fill("#email", &self.email).await;
        b.fill("#password", PASSWORD).await;
        b.click("#sign-in").await;
        let shown = b.wait_for_text("#signed-in-as", |t| !t.is_empty()).await;
        assert_eq!(shown, self.email);
        let wanted = url.strip_prefix(&self.app.address).unwrap();
        assert_eq!(self.location().await, wanted, "back where sign-in began");
    }

    /// Runs `script` in the page (a returned promise is awaited) and returns its value.
    async fn js(&self, script: &str) -> Value {
        self.browser
            .client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits (bounded) until `script` returns `true`; errors while a page loads count as "not
    /// yet".
    async fn wait_until(&self, what: &str, script: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Value::Bool(true)) = self.browser.client.execute(script, vec![]).await {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(POLL).await;
        }
    }

    /// Marks the current document, so that [`Self::wait_for_new_page`] can tell that a later
    /// one replaced it.
    async fn mark_page(&self) {
        self.js("window.__halfpipeOldPage = true; return null;")
            .await;
    }

    /// Waits until the marked document has been replaced by a fully loaded new one.
    async fn wait_for_new_page(&self, what: &str) {
        self.wait_until(
            what,
            "return !window.__halfpipeOldPage && document.readyState === 'complete';",
        )
        .await;
    }

    async fn count(&self, css: &str) -> usize {
        self.browser
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("find_all")
            .len()
    }

    async fn text(&self, css: &str) -> String {
        self.browser.find(css).await.text().await.expect("text")
    }

    /// Creates a key through the "Create API Key" dialog and returns the plaintext it shows;
    /// the dialog is left open on the reveal step.
    async fn create_key_in_page(
        &self,
        name: &str,
        description: &str,
        permissions: &[&str],
    ) -> String {
        self.browser.click("#create-key-button").await;
        self.browser.find("dialog#create-key-dialog[open]").await;
        self.submit_create_dialog(name, description, permissions)
            .await
    }

    /// Fills and submits the open create dialog; returns the key it then shows.
    async fn submit_create_dialog(
        &self,
        name: &str,
        description: &str,
        permissions: &[&str],
    ) -> String {
        let b = &self.browser;
        b.fill("#key-name", name).await;
        if !description.is_empty() {
            b.fill("#key-description", description).await;
        }
        for permission in permissions {
            let checkbox = format!("#permission-{permission}");
            b.click(&checkbox).await;
            let checked = b.find(&checkbox).await.is_selected().await.unwrap();
            assert!(checked, "{permission} is checked");
        }
        b.click("#create-key-submit").await;
        b.wait_for_text("#new-key-value", |t| t.starts_with(KEY_PREFIX))
            .await
    }

    /// Closes the reveal step with "Done" and waits for the page to reload.
    async fn done(&self) {
        self.mark_page().await;
        self.browser.click("#new-key-done").await;
        self.wait_for_new_page("the page reloads after Done").await;
    }

    /// Clicks `button` in the row of the key `name`, answers the confirmation if one is asked,
    /// and waits for the page to reload.
    async fn key_action(&self, name: &str, button: &str) {
        self.mark_page().await;
        self.browser
            .click(&format!("{} {button}", key_row(name)))
            .await;
        // Some actions ask first; answer yes if the dialog opens.
        let deadline = Instant::now() + WAIT;
        loop {
            let state = self
                .browser
                .client
                .execute(
                    "if (!window.__halfpipeOldPage) return 'reloaded';
                     var d = document.querySelector('#confirm-dialog');
                     return d && d.open ? 'asking' : 'waiting';",
                    vec![],
                )
                .await
                .unwrap_or(Value::Null);
            match state.as_str() {
                Some("reloaded") => break,
                Some("asking") => {
                    self.browser.click("#confirm-yes").await;
                    break;
                }
                _ => {
                    assert!(Instant::now() < deadline, "{button} on {name} did nothing");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
        self.wait_for_new_page(&format!("the page reloads after {button}"))
            .await;
    }

    /// `GET /public/api/v1/projects` with `key`.
    async fn public_projects(&self, key: &str) -> (StatusCode, Value) {
        self.app.get("/projects", key).await
    }

    /// Asserts that the document is no wider than the viewport (no horizontal scrollbar).
    async fn assert_no_horizontal_scroll(&self, when: &str) {
        let sizes = self
            .js("var d = document.documentElement; return [d.scrollWidth, d.clientWidth];")
            .await;
        let (scroll, client) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
        assert!(
            scroll <= client,
            "{when}: the page scrolls sideways ({scroll}px of content in {client}px)"
        );
    }

    /// Asserts that `css` lies inside the viewport horizontally.
    async fn assert_inside_viewport(&self, css: &str) {
        let fits = self
            .js(&format!(
                "var r = document.querySelector({css:?}).getBoundingClientRect();
                 return [r.left, r.right, document.documentElement.clientWidth];"
            ))
            .await;
        let (left, right, width) = (
            fits[0].as_f64().unwrap(),
            fits[1].as_f64().unwrap(),
            fits[2].as_f64().unwrap(),
        );
        assert!(
            left >= 0.0 && right <= width + 0.5,
            "{css} is not inside the viewport: {left}..{right} of {width}px"
        );
    }

    /// Presses and releases `key` on the keyboard (to whatever has the focus).
    async fn press(&self, key: Key) {
        let key: char = key.into();
        let actions = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.browser
            .client
            .perform_actions(actions)
            .await
            .expect("key press");
    }

    async fn active_element_id(&self) -> String {
        self.js("var a = document.activeElement; return a ? a.id || a.tagName : '';")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn close(self) {
        self.browser.close().await;
    }
}

/// The table row of the key named `name`.
fn key_row(name: &str) -> String {
    format!("#api-keys-table tr[data-key-name=\"{name}\"]")
}

/// The masked hint the SPEC describes: prefix, first 4 characters of the secret, `…`, last 4.
fn expected_hint(key: &str) -> String {
    let secret = &key[KEY_PREFIX.len()..];
    format!("{KEY_PREFIX}{}…{}", &secret[..4], &key[key.len() - 4..])
}

fn is_rfc3339(text: &str) -> bool {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
}

async fn attr(element: &Element, name: &str) -> Option<String> {
    element.attr(name).await.expect("attribute")
}

// ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver"]
async fn an_owner_creates_a_key_in_the_dialog_and_sees_it_in_full_exactly_once() {
    let s = scene(MemberRole::Owner).await;
    let b = &s.browser;
    s.sign_in_at(&s.ws_url("/settings/api-keys")).await;
    b.find("#keys-empty").await;

    let key = s
        .create_key_in_page(
            "Production uploader",
            "Uploads the nightly export",
            &["projects-read"],
        )
        .await;

    // The reveal step: the whole key, a copy button and Done; the form is gone.
    assert_eq!(key.len(), KEY_PREFIX.len() + 43 + 6, "{key}");
    assert!(b.find("#new-key-value").await.is_displayed().await.unwrap());
    assert!(
        b.find("#copy-key-button")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    assert!(b.find("#new-key-done").await.is_displayed().await.unwrap());
    assert!(
        !b.find("#create-key-form")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    let announced = b
        .wait_for_text("#key-created-message", |t| !t.is_empty())
        .await;
    assert!(announced.contains("Production uploader"), "{announced}");
    let source = b.client.source().await.unwrap();
    assert_eq!(source.matches(&key).count(), 1, "the key is shown once");
    b.click("#copy-key-button").await;
    b.wait_for_text("#copy-status", |t| !t.is_empty()).await;
    // While the key is shown, Escape (even pressed again and again) does not lose it.
    s.mark_page().await;
    for _ in 0..3 {
        s.press(Key::Escape).await;
    }
    s.wait_until(
        "the dialog still shows the key after Escape",
        &format!(
            "return !!window.__halfpipeOldPage
                 && document.querySelector('#create-key-dialog').open
                 && document.querySelector('#new-key-value').textContent === {key:?};"
        ),
    )
    .await;

    s.done().await;

    // After Done and a reload the plaintext is nowhere; the row shows the masked hint.
    let flash = b.wait_for_text("#flash", |t| !t.is_empty()).await;
    assert!(flash.contains("created"), "{flash}");
    let source = b.client.source().await.unwrap();
    assert!(!source.contains(&key), "the plaintext is still in the page");
    assert!(
        !source.contains(&key[KEY_PREFIX.len()..]),
        "the secret is still in the page"
    );
    let storage = s
        .js("return JSON.stringify(window.sessionStorage) + JSON.stringify(window.localStorage);")
        .await;
    assert!(
        !storage.as_str().unwrap().contains(&key[KEY_PREFIX.len()..]),
        "the key is kept in the browser's storage"
    );
    let row = key_row("Production uploader");
    b.find(&format!("{row}[data-status=active]")).await;
    assert_eq!(
        s.text(&format!("{row} .key-hint")).await,
        expected_hint(&key)
    );
    assert_eq!(
        s.text(&format!("{row} .status")).await.to_lowercase(),
        "active"
    );
    assert_eq!(s.text(&format!("{row} .key-creator")).await, s.email);
    let permissions = s.text(&format!("{row} .key-permissions")).await;
    assert!(permissions.contains("projects-read"), "{permissions}");
    let description = s.text(&format!("{row} .key-description")).await;
    assert_eq!(description, "Uploads the nightly export");
    let last_used = s.text(&format!("{row} .key-last-used")).await;
    assert_eq!(last_used.to_lowercase(), "never");
    let created = b.find(&format!("{row} td[data-label=Created] time")).await;
    let exact = attr(&created, "title")
        .await
        .expect("a title with the exact time");
    assert!(is_rfc3339(&exact), "{exact}");
    assert_eq!(created.text().await.unwrap(), "just now");

    // Once the key is used, "last used" is relative, with the exact time on hover.
    let (status, body) = s.public_projects(&key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let used = format!("{row} .key-last-used time");
    let deadline = Instant::now() + WAIT;
    while s.count(&used).await == 0 {
        assert!(Instant::now() < deadline, "last used never showed a time");
        tokio::time::sleep(Duration::from_millis(150)).await;
        b.client.refresh().await.unwrap();
    }
    let when = b.find(&used).await;
    let exact = attr(&when, "title")
        .await
        .expect("a title with the exact time");
    assert!(is_rfc3339(&exact), "{exact}");
    assert_eq!(
        attr(&when, "datetime").await.as_deref(),
        Some(exact.as_str())
    );
    assert_eq!(when.text().await.unwrap(), "just now");
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver"]
async fn a_key_made_in_the_page_works_and_revoke_reactivate_delete_take_effect_at_once() {
    let s = scene(MemberRole::Admin).await;
    let b = &s.browser;
    s.sign_in_at(&s.ws_url("/settings/api-keys")).await;
    let key = s.create_key_in_page("CI uploader", "", &[]).await;
    s.done().await;
    let row = key_row("CI uploader");
    b.find(&format!("{row}[data-status=active]")).await;

    let (status, body) = s.public_projects(&key).await;
    assert_eq!(status, StatusCode::OK, "a new key works: {body}");

    s.key_action("CI uploader", ".revoke-key").await;
    b.find(&format!("{row}[data-status=revoked]")).await;
    let (status, body) = s.public_projects(&key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("revoked"), "{body}");

    s.key_action("CI uploader", ".reactivate-key").await;
    b.find(&format!("{row}[data-status=active]")).await;
    let (status, body) = s.public_projects(&key).await;
    assert_eq!(status, StatusCode::OK, "a reactivated key works: {body}");

    s.key_action("CI uploader", ".delete-key").await;
    b.find("#create-key-button").await;
    assert_eq!(s.count(&row).await, 0, "the deleted key's row is gone");
    let (status, body) = s.public_projects(&key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["type"], "authentication_error", "{body}");
    s.close().await;
}

/// A transcript with every role, tool calls and results, unlike the README's example.
fn password_reset_transcript() -> Value {
    json!({
        "name": "Password reset",
        "modelName": "claude-sonnet",
        "externalId": "conv-2002",
        "language": "en",
        "sourceSystem": "intercom",
        "turns": [
            {"role": "system", "content": "You are the helpful support assistant of Acme."},
            {"role": "user", "content": "I forgot my password and the reset mail never arrives."},
            {"role": "assistant", "content": "Let me check the mail log for you.",
             "toolCalls": [{"name": "mail_log", "args": {"address": "pat@example.org"}}]},
            {"role": "tool", "content": "", "toolResults": [{"name": "mail_log", "result": {"bounced": true}}]},
            {"role": "human_agent", "content": "Hi, Sam from support here: I fixed the bounce."}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver"]
async fn a_member_browses_projects_searches_transcripts_and_reads_a_conversation() {
    let s = scene(MemberRole::Member).await;
    let b = &s.browser;
    let app = &s.app;
    let key = app.key(s.ws, &[]).await;
    let project = app.project(&key, "Support bot").await;
    let mut ids = Vec::new();
    for transcript in [example_transcript(), password_reset_transcript()] {
        let (status, body) = app.upload(&key, &project, &transcript).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["data"]["id"].as_str().unwrap().to_string());
    }
    let annotations = BTreeMap::from([
        ("sentiment".to_string(), "negative".to_string()),
        ("topic".to_string(), "account access".to_string()),
    ]);
    let reset: TranscriptId = ids[1].parse().expect("a transcript id");
    app.store
        .set_annotations(s.ws, reset, &annotations)
        .await
        .expect("annotations set");

    // Projects → the project.
    s.sign_in_at(&s.ws_url("/projects")).await;
    let link = format!("tr[data-project-id=\"{project}\"] a.project-link");
    assert_eq!(s.text(&link).await, "Support bot");
    b.click(&link).await;
    assert_eq!(
        b.wait_for_text("#project-name", |t| !t.is_empty()).await,
        "Support bot"
    );
    assert_eq!(s.text("#project-transcript-count").await, "2");
    b.find("#executive-summary #no-report").await;

    // → its transcripts, then a full-text search that matches one of them.
    b.click("#project-transcripts-link").await;
    b.find("#transcripts-table").await;
    assert_eq!(s.count("tr[data-transcript-id]").await, 2);
    b.fill("#filter-q", "mail log").await;
    s.mark_page().await;
    b.click("#apply-filters").await;
    s.wait_for_new_page("the search results load").await;
    assert_eq!(
        b.find("#filter-q")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("mail log")
    );
    assert!(
        s.location().await.contains("q=mail"),
        "{}",
        s.location().await
    );
    let rows = b
        .client
        .find_all(Locator::Css("tr[data-transcript-id]"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "only the matching transcript");
    assert_eq!(
        attr(&rows[0], "data-transcript-id").await.as_deref(),
        Some(ids[1].as_str())
    );

    // → the conversation.
    b.click("a.transcript-link").await;
    assert_eq!(
        b.wait_for_text("#transcript-name", |t| !t.is_empty()).await,
        "Password reset"
    );
    for (role, class) in [
        ("system", "turn-system"),
        ("user", "turn-user"),
        ("assistant", "turn-assistant"),
        ("tool", "turn-tool"),
        ("human_agent", "turn-human-agent"),
    ] {
        let turn = b.find(&format!("#turns li.turn.{class}")).await;
        assert_eq!(attr(&turn, "data-role").await.as_deref(), Some(role));
        assert!(turn.is_displayed().await.unwrap(), "{role} is visible");
        let label = turn
            .find(Locator::Css(".role-label"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!label.is_empty(), "{role} has a visible label");
    }
    let looks = s
        .js("function look(css) {
               var st = getComputedStyle(document.querySelector(css));
               return [st.backgroundColor, st.borderLeftColor].join(' | ');
             }
             return [look('.turn-user'), look('.turn-assistant'), look('.turn-tool'),
                     look('.turn-system'), look('.turn-human-agent')];")
        .await;
    let looks: Vec<&str> = looks
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for (i, a) in looks.iter().enumerate() {
        for b in &looks[i + 1..] {
            assert_ne!(a, b, "two roles look the same: {looks:?}");
        }
    }
    let user = s.text(".turn-user .turn-content").await;
    assert!(user.contains("reset mail never arrives"), "{user}");
    let call = b.find(".turn-assistant .tool-call").await;
    assert!(call.is_displayed().await.unwrap());
    let call = call.text().await.unwrap();
    assert!(call.contains("mail_log"), "{call}");
    assert!(call.contains("pat@example.org"), "{call}");
    let result = s.text(".turn-tool .tool-result").await;
    assert!(result.contains("mail_log"), "{result}");
    assert!(result.contains("bounced"), "{result}");
    assert_eq!(
        s.text("#annotations .annotation[data-key=sentiment] dd")
            .await,
        "negative"
    );
    assert_eq!(
        s.text("#annotations .annotation[data-key=topic] dd").await,
        "account access"
    );
    assert_eq!(s.count("#no-annotations").await, 0);
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver"]
async fn a_member_without_admin_rights_can_see_keys_but_not_manage_them() {
    let s = scene(MemberRole::Member).await;
    let b = &s.browser;
    s.app.key(s.ws, &[]).await;
    s.sign_in_at(&s.ws_url("/settings/api-keys")).await;

    b.find("#read-only-note").await;
    assert_eq!(s.count("#api-keys-table tr[data-key-id]").await, 1);
    for control in [
        "#create-key-button",
        "#create-key-dialog",
        ".revoke-key",
        ".reactivate-key",
        ".delete-key",
        "#confirm-dialog",
    ] {
        assert_eq!(s.count(control).await, 0, "a member sees {control}");
    }

    // The management API refuses them too, with the browser's own session cookie.
    let answers = s
        .js("var api = '/api/v1/workspaces/' + encodeURIComponent(document.body.dataset.workspaceId) + '/api-keys';
             function call(method, body) {
               var init = {method: method, credentials: 'same-origin',
                           headers: {'Accept': 'application/json', 'Content-Type': 'application/json'}};
               if (body) init.body = JSON.stringify(body);
               return fetch(api, init).then(function (r) {
                 return r.json().then(function (b) { return [r.status, b]; });
               });
             }
             return Promise.all([call('GET'), call('POST', {name: 'Sneaky key'})]);")
        .await;
    assert_eq!(answers[0][0], 200, "members see the list: {answers}");
    assert_eq!(answers[1][0], 403, "members cannot create keys: {answers}");
    assert_eq!(
        answers[1][1]["error"]["type"], "permission_error",
        "{answers}"
    );
    b.client.refresh().await.unwrap();
    b.find("#read-only-note").await;
    assert_eq!(s.count("#api-keys-table tr[data-key-id]").await, 1);
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver"]
async fn signing_out_ends_the_session_and_protected_pages_send_you_to_sign_in() {
    let s = scene(MemberRole::Owner).await;
    let b = &s.browser;
    s.sign_in_at(&s.ws_url("/projects")).await;

    s.mark_page().await;
    b.click("#sign-out").await;
    s.wait_for_new_page("the sign-out lands somewhere").await;
    b.find("#login-form").await;
    assert_eq!(s.location().await, "/login");

    for page in ["/settings/api-keys", "/projects", "/members"] {
        b.goto(&s.ws_url(page)).await;
        b.find("#login-form").await;
        let here = s.location().await;
        assert!(here.starts_with("/login?next="), "{page}: {here}");
        assert_eq!(s.count("#signed-in-as").await, 0, "{page}");
    }
    b.goto(&s.url("/")).await;
    b.find("#login-form").await;
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver"]
async fn at_phone_width_the_keys_page_fits_and_the_create_dialog_is_usable() {
    let s = scene(MemberRole::Owner).await;
    let b = &s.browser;
    b.client.set_window_size(375, 800).await.unwrap();
    s.app.key(s.ws, &["projects-read", "projects-write"]).await;
    s.sign_in_at(&s.ws_url("/settings/api-keys")).await;
    let width = s.js("return window.innerWidth;").await;
    assert!(
        width.as_u64().is_some_and(|w| w <= 400),
        "a phone-sized viewport: {width}"
    );
    s.assert_no_horizontal_scroll("the keys page").await;

    b.click("#create-key-button").await;
    b.find("dialog#create-key-dialog[open]").await;
    s.assert_inside_viewport("#create-key-dialog").await;
    let key = s
        .submit_create_dialog("Phone uploader", "", &["projects-write"])
        .await;
    s.assert_inside_viewport("#create-key-dialog").await;
    s.assert_inside_viewport("#new-key-value").await;
    s.assert_inside_viewport("#new-key-done").await;
    s.assert_no_horizontal_scroll("the key is shown").await;
    s.done().await;
    b.find(&format!(
        "{}[data-status=active]",
        key_row("Phone uploader")
    ))
    .await;
    s.assert_no_horizontal_scroll("the keys page with the new key")
        .await;
    let (status, _) = s.public_projects(&key).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a write-only key cannot read"
    );
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver"]
async fn the_keyboard_reaches_create_api_key_with_a_visible_focus_and_enter_opens_the_dialog() {
    let s = scene(MemberRole::Owner).await;
    let b = &s.browser;
    s.sign_in_at(&s.ws_url("/settings/api-keys")).await;
    b.find("#create-key-button").await;

    let mut presses = 0;
    while s.active_element_id().await != "create-key-button" {
        presses += 1;
        assert!(presses <= 30, "Tab never reached #create-key-button");
        s.press(Key::Tab).await;
    }
    let outline = s
        .js("var st = getComputedStyle(document.activeElement);
             return [st.outlineStyle, st.outlineWidth, st.boxShadow];")
        .await;
    let visible = (outline[0] != "none" && outline[1] != "0px") || outline[2] != "none";
    assert!(visible, "the focused button shows no focus ring: {outline}");

    s.press(Key::Enter).await;
    b.find("dialog#create-key-dialog[open]").await;
    s.wait_until(
        "the name field has the focus",
        "return document.activeElement && document.activeElement.id === 'key-name';",
    )
    .await;
    s.press(Key::Escape).await;
    s.wait_until(
        "Escape closes the dialog",
        "return !document.querySelector('#create-key-dialog').open;",
    )
    .await;
    assert_eq!(s.active_element_id().await, "create-key-button");
    s.close().await;
}
