//! The `members` command line and the owner bootstrapped by the first `halfpipe serve`.

use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::{Value, json};

use super::me;
use crate::support::{
    As, PASSWORD, ServeProcess, TestApp, TestDb, cli_json, cookie_pair, create_member_cli,
    create_workspace, halfpipe_cli, halfpipe_cli_with_stdin, post_login, read, session_set_cookie,
    test_config,
};

#[tokio::test]
async fn members_create_reads_the_password_from_stdin_and_the_member_can_sign_in() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;

    let output = create_member_cli(&db, &ws, "Ada@Acme.test", "admin", "from stdin 123\n").await;

    output.assert_success("members create");
    let created = output.json();
    assert!(
        created["id"]
            .as_str()
            .is_some_and(|id| uuid::Uuid::try_parse(id).is_ok()),
        "{created}"
    );
    assert_eq!(created["email"], "ada@acme.test", "{created}");
    assert_eq!(created["workspace_id"], ws.as_str(), "{created}");
    assert_eq!(created["role"], "admin", "{created}");
    assert!(
        !output.stdout.contains("from stdin") && !output.stderr.contains("from stdin"),
        "the password is not printed"
    );
    let app = TestApp::spawn_on(db, test_config()).await;
    let (status, body) = read(
        post_login(
            &app,
            &json!({"email": "ada@acme.test", "password": "from stdin 123"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the trailing newline is not part of it: {body}"
    );
    assert_eq!(body["data"]["workspaces"][0]["role"], "admin", "{body}");
}

#[tokio::test]
async fn members_list_prints_every_member_with_its_role_and_no_password() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    for (email, role) in [("owner@acme.test", "owner"), ("bob@acme.test", "member")] {
        create_member_cli(&db, &ws, email, role, PASSWORD)
            .await
            .assert_success(email);
    }

    let output = halfpipe_cli(&db.url, &["members", "list", "--workspace", &ws, "--json"]).await;

    output.assert_success("members list");
    let listed = output.json();
    let mut roles: Vec<(&str, &str)> = listed
        .as_array()
        .expect("an array")
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap_or_default(),
                m["role"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [("bob@acme.test", "member"), ("owner@acme.test", "owner")],
        "{listed}"
    );
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"].is_string()),
        "{listed}"
    );
    assert!(
        !output.stdout.contains("argon2") && !output.stdout.contains("password"),
        "no password hash: {}",
        output.stdout
    );
}

#[tokio::test]
async fn one_account_can_be_a_member_of_several_workspaces() {
    let db = TestDb::fresh().await;
    let acme = create_workspace(&db, "Acme").await;
    let globex = create_workspace(&db, "Globex").await;
    create_member_cli(&db, &acme, "ada@acme.test", "member", PASSWORD)
        .await
        .assert_success("the account");

    // The account exists, so no password is needed.
    let added = cli_json(
        &db,
        &[
            "members",
            "create",
            "--workspace",
            &globex,
            "--email",
            "ada@acme.test",
            "--role",
            "admin",
        ],
    )
    .await;

    assert_eq!(added["workspace_id"], globex.as_str(), "{added}");
    let app = TestApp::spawn_on(db, test_config()).await;
    let session = app.sign_in("ada@acme.test").await;
    let (_, body) = me(&app, As::Script(&session)).await;
    let roles: Vec<(Value, Value)> = body["data"]["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .map(|w| (w["workspace_name"].clone(), w["role"].clone()))
        .collect();
    assert_eq!(
        roles,
        [
            (json!("Acme"), json!("member")),
            (json!("Globex"), json!("admin"))
        ],
        "{body}"
    );
}

#[tokio::test]
async fn members_create_refuses_a_second_owner_and_bad_input() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    create_member_cli(&db, &ws, "owner@acme.test", "owner", PASSWORD)
        .await
        .assert_success("the first owner");
    let cases = [
        (
            "a second owner",
            vec![
                "--email",
                "second@acme.test",
                "--role",
                "owner",
                "--password-stdin",
            ],
            PASSWORD,
            "conflict_error",
        ),
        (
            "a new email without --password-stdin",
            vec!["--email", "new@acme.test", "--role", "member"],
            "",
            "invalid_request_error",
        ),
        (
            "a password of 7 characters",
            vec!["--email", "short@acme.test", "--password-stdin"],
            "1234567",
            "invalid_request_error",
        ),
        (
            "a role that does not exist",
            vec![
                "--email",
                "root@acme.test",
                "--role",
                "root",
                "--password-stdin",
            ],
            PASSWORD,
            "invalid_request_error",
        ),
        (
            "an email that is not one",
            vec!["--email", "ada", "--password-stdin"],
            PASSWORD,
            "invalid_request_error",
        ),
        (
            "already a member",
            vec!["--email", "owner@acme.test", "--role", "member"],
            "",
            "conflict_error",
        ),
    ];

    for (case, extra, stdin, kind) in cases {
        let mut args = vec!["members", "create", "--workspace", &ws, "--json"];
        args.extend(extra);

        let output = halfpipe_cli_with_stdin(&db.url, &args, stdin).await;

        assert!(
            !output.status.success(),
            "{case}: exited successfully\n{}",
            output.stdout
        );
        let error = output.json();
        assert_eq!(error["error"]["type"], kind, "{case}: {error}");
    }
    let listed = cli_json(&db, &["members", "list", "--workspace", &ws]).await;
    let owners: Vec<&Value> = listed
        .as_array()
        .expect("an array")
        .iter()
        .filter(|m| m["role"] == "owner")
        .collect();
    assert_eq!(owners.len(), 1, "exactly one owner: {listed}");
    assert_eq!(owners[0]["email"], "owner@acme.test", "{listed}");
}

#[tokio::test]
async fn the_owner_printed_by_the_first_serve_can_sign_in_and_no_secret_is_logged() {
    let db = TestDb::fresh().await;
    let server = ServeProcess::start(&db);
    let (_, address, lines) = server.bootstrap_lines();
    let field = |name: &str| {
        lines
            .iter()
            .find_map(|line| {
                let mut words = line.split_whitespace();
                (words.next() == Some(name)).then(|| words.next()).flatten()
            })
            .unwrap_or_else(|| panic!("no {name} line in {lines:#?}"))
            .to_string()
    };
    let (email, password) = (field("email"), field("password"));
    let client = reqwest::Client::new();

    let response = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request sent");
    let cookie = session_set_cookie(&response).map(|c| cookie_pair(&c));
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["workspaces"][0]["role"], "owner", "{body}");
    let jwt = body["data"]["token"].as_str().expect("a token").to_string();
    let cookie = cookie.expect("a session cookie");
    let me = client
        .get(format!("{address}/api/v1/me"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .expect("request sent");
    assert_eq!(me.status(), StatusCode::OK);
    let workspace = body["data"]["workspaces"][0]["workspace_id"]
        .as_str()
        .expect("a workspace id")
        .to_string();
    let invited = client
        .post(format!(
            "{address}/api/v1/workspaces/{workspace}/invitations"
        ))
        .bearer_auth(&jwt)
        .json(&json!({"role": "member"}))
        .send()
        .await
        .expect("request sent");
    let (status, invited) = read(invited).await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    let invitation = invited["data"]["token"]
        .as_str()
        .expect("a token")
        .to_string();
    let shown = client
        .get(format!("{address}/api/v1/invitations/{invitation}"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(shown.status(), StatusCode::OK);
    let signed_out = client
        .post(format!("{address}/api/v1/auth/logout"))
        .bearer_auth(&jwt)
        .send()
        .await
        .expect("request sent");
    assert_eq!(signed_out.status(), StatusCode::OK);

    let (exit, stdout, stderr) = server.terminate().await;

    assert!(exit.success(), "exit after SIGTERM: {exit}\n{stderr}");
    assert!(stderr.contains("DEBUG"), "debug logs were written");
    let session_secret = &cookie["halfpipe_session=".len()..];
    for (what, secret) in [
        ("the password", password.as_str()),
        ("the session token", session_secret),
        ("the JWT", jwt.as_str()),
        ("the invitation token", invitation.as_str()),
    ] {
        assert!(!stderr.contains(secret), "the log contains {what}");
    }
    assert_eq!(
        stdout.matches(password.as_str()).count(),
        1,
        "the password is printed exactly once:\n{stdout}"
    );
}
