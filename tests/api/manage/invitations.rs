//! Invitations: who may invite whom, accepting signed out or signed in, and the ones that are
//! used, withdrawn, expired or unknown.

use reqwest::header::CACHE_CONTROL;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::me;
use crate::support::{
    Actor, As, MemberRole, PASSWORD, SecretToken, Session, Team, Timestamp, assert_invalid,
    assert_outcome, call, fresh_email, header, post_login, read, send,
};

#[tokio::test]
async fn admins_invite_members_and_only_the_owner_invites_admins() {
    let team = Team::spawn().await;
    let cases = [
        (
            "an admin invites a member",
            As::Script(&team.admin),
            json!({"role": "member"}),
            StatusCode::CREATED,
            "member",
        ),
        (
            "an admin invites without a role",
            As::Browser(&team.admin),
            json!({}),
            StatusCode::CREATED,
            "member",
        ),
        (
            "an admin invites an admin",
            As::Script(&team.admin),
            json!({"role": "admin"}),
            StatusCode::FORBIDDEN,
            "",
        ),
        (
            "the owner invites an admin",
            As::Script(&team.owner),
            json!({"role": "admin"}),
            StatusCode::CREATED,
            "admin",
        ),
        (
            "the owner invites an owner",
            As::Script(&team.owner),
            json!({"role": "owner"}),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "a member invites a member",
            As::Script(&team.member),
            json!({"role": "member"}),
            StatusCode::FORBIDDEN,
            "",
        ),
    ];

    for (case, who, body, expected, role) in cases {
        let response = send(
            &team.app,
            Method::POST,
            &team.path("/invitations"),
            who,
            Some(&body),
        )
        .await;

        let cache_control = header(&response, CACHE_CONTROL);
        let (status, body) = read(response).await;
        assert_outcome(case, status, &body, expected);
        if expected != StatusCode::CREATED {
            continue;
        }
        assert_eq!(cache_control, "no-store", "{case}");
        let token = body["data"]["token"].as_str().expect("a token");
        assert_eq!(
            body["data"]["url"],
            format!("{}/invite/{token}", team.app.address),
            "{case}: a link to copy: {body}"
        );
        assert_eq!(body["data"]["invitation"]["role"], role, "{case}: {body}");
        let (status, shown) = call(
            &team.app,
            Method::GET,
            &format!("/api/v1/invitations/{token}"),
            As::Nobody,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{case}: {shown}");
        assert_eq!(
            shown["data"]["workspace_id"],
            team.ws.to_string(),
            "{case}: {shown}"
        );
        assert_eq!(shown["data"]["workspace_name"], "Acme", "{case}: {shown}");
        assert_eq!(shown["data"]["role"], role, "{case}: {shown}");
    }
}

#[tokio::test]
async fn accepting_an_invitation_with_a_new_account_signs_the_newcomer_in() {
    let team = Team::spawn().await;
    let (_, token) = team.invite(As::Script(&team.owner), "admin").await;
    let accept = format!("/api/v1/invitations/{token}/accept");

    let response = send(
        &team.app,
        Method::POST,
        &accept,
        As::Nobody,
        Some(&json!({"email": "Newcomer@Acme.test", "password": "a new password"})),
    )
    .await;

    let newcomer = Session::from_response(response, "newcomer@acme.test").await;
    assert!(newcomer.jwt.starts_with("ey"), "{newcomer:?}");
    let (status, body) = me(&team.app, As::Browser(&newcomer)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["member"]["email"], "newcomer@acme.test");
    assert_eq!(
        body["data"]["workspaces"],
        json!([{"workspace_id": team.ws, "workspace_name": "Acme", "role": "admin"}]),
        "{body}"
    );
    let (status, body) = read(
        post_login(
            &team.app,
            &json!({"email": "newcomer@acme.test", "password": "a new password"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the new account signs in: {body}");
    let (status, body) = call(
        &team.app,
        Method::POST,
        &team.path("/api-keys"),
        As::Script(&newcomer),
        Some(&json!({"name": "admin's key"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the new admin manages keys: {body}"
    );
}

#[tokio::test]
async fn accepting_an_invitation_signed_out_needs_an_email_and_a_valid_password() {
    let team = Team::spawn().await;
    let (_, token) = team.invite(As::Script(&team.owner), "member").await;
    let accept = format!("/api/v1/invitations/{token}/accept");
    let cases = [
        ("no body", None, "email"),
        ("no email", Some(json!({"password": PASSWORD})), "email"),
        (
            "no password",
            Some(json!({"email": "new@acme.test"})),
            "password",
        ),
        (
            "a password of 7 characters",
            Some(json!({"email": "new@acme.test", "password": "1234567"})),
            "password",
        ),
        (
            "something that is not an email",
            Some(json!({"email": "new", "password": PASSWORD})),
            "email",
        ),
    ];

    for (case, body, param) in cases {
        let (status, body) =
            call(&team.app, Method::POST, &accept, As::Nobody, body.as_ref()).await;

        assert_invalid(case, status, &body, param);
    }
    let (shown, _) = call(
        &team.app,
        Method::GET,
        &format!("/api/v1/invitations/{token}"),
        As::Nobody,
        None,
    )
    .await;
    assert_eq!(shown, StatusCode::OK, "the invitation is still open");
    let (status, _) = read(
        post_login(
            &team.app,
            &json!({"email": "new@acme.test", "password": "1234567"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no account was made");
}

#[tokio::test]
async fn accepting_with_an_existing_email_needs_that_account_password() {
    let team = Team::spawn().await;
    let (_, token) = team.invite(As::Script(&team.owner), "member").await;
    let accept = format!("/api/v1/invitations/{token}/accept");

    let (wrong, wrong_body) = call(
        &team.app,
        Method::POST,
        &accept,
        As::Nobody,
        Some(&json!({"email": "owner@globex.test", "password": "not it"})),
    )
    .await;
    let (right, right_body) = call(
        &team.app,
        Method::POST,
        &accept,
        As::Nobody,
        Some(&json!({"email": "owner@globex.test", "password": PASSWORD})),
    )
    .await;

    assert_outcome(
        "the wrong password",
        wrong,
        &wrong_body,
        StatusCode::UNAUTHORIZED,
    );
    assert_eq!(right, StatusCode::OK, "the right password: {right_body}");
    let roles: Vec<(Value, Value)> = right_body["data"]["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .map(|w| (w["workspace_name"].clone(), w["role"].clone()))
        .collect();
    assert_eq!(
        roles,
        [
            (json!("Acme"), json!("member")),
            (json!("Globex"), json!("owner"))
        ]
    );
}

#[tokio::test]
async fn a_member_of_another_workspace_accepts_while_signed_in_and_switches_between_both() {
    let team = Team::spawn().await;
    let (_, token) = team.invite(As::Script(&team.admin), "member").await;
    let outsider = As::Browser(&team.outsider);

    let (status, body) = call(
        &team.app,
        Method::POST,
        &format!("/api/v1/invitations/{token}/accept"),
        outsider,
        None,
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["workspace_id"], team.ws.to_string(), "{body}");
    assert_eq!(body["data"]["role"], "member", "{body}");
    let (_, me_body) = me(&team.app, outsider).await;
    let mut workspaces: Vec<(String, String)> = me_body["data"]["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .map(|w| {
            (
                w["workspace_id"].as_str().unwrap_or_default().to_string(),
                w["role"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    workspaces.sort();
    let mut expected = vec![
        (team.ws.to_string(), "member".to_string()),
        (team.other_ws.to_string(), "owner".to_string()),
    ];
    expected.sort();
    assert_eq!(workspaces, expected, "/me lists both: {me_body}");
    // Switching is naming the other workspace: each answers with the role held there.
    let cases = [
        (team.ws, Method::GET, StatusCode::OK, "reads Acme's keys"),
        (
            team.ws,
            Method::POST,
            StatusCode::FORBIDDEN,
            "creates a key in Acme, where they are a member",
        ),
        (
            team.other_ws,
            Method::GET,
            StatusCode::OK,
            "reads Globex's keys",
        ),
        (
            team.other_ws,
            Method::POST,
            StatusCode::CREATED,
            "creates a key in Globex, which they own",
        ),
    ];
    for (ws, method, expected, case) in cases {
        let body = (method == Method::POST).then(|| json!({"name": "switching"}));
        let (status, body) = call(
            &team.app,
            method,
            &format!("/api/v1/workspaces/{ws}/api-keys"),
            outsider,
            body.as_ref(),
        )
        .await;
        assert_outcome(case, status, &body, expected);
    }
}

#[tokio::test]
async fn used_withdrawn_expired_and_unknown_invitations_are_not_found() {
    let team = Team::spawn().await;
    let (_, used) = team.invite(As::Script(&team.admin), "member").await;
    let (status, _) = call(
        &team.app,
        Method::POST,
        &format!("/api/v1/invitations/{used}/accept"),
        As::Browser(&team.outsider),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the first use");
    let (withdrawn_id, withdrawn) = team.invite(As::Script(&team.admin), "member").await;
    let withdraw = team.path(&format!("/invitations/{withdrawn_id}"));
    let (status, _) = team
        .call(Method::DELETE, &withdraw, As::Script(&team.admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "withdrawn");
    let expired = SecretToken::generate();
    team.app
        .store
        .create_invitation(
            team.ws,
            expired.hash(),
            MemberRole::Member,
            &Actor("test".into()),
            Timestamp::from_unix_millis(Timestamp::now().unix_millis() - 1000).expect("a time"),
        )
        .await
        .expect("an expired invitation");
    let unknown = SecretToken::generate();
    let cases = [
        ("a used invitation", used.as_str()),
        ("a withdrawn invitation", withdrawn.as_str()),
        ("an expired invitation", expired.expose()),
        ("an unknown invitation", unknown.expose()),
    ];

    for (case, token) in cases {
        let (shown, shown_body) = call(
            &team.app,
            Method::GET,
            &format!("/api/v1/invitations/{token}"),
            As::Nobody,
            None,
        )
        .await;
        let (accepted, accepted_body) = call(
            &team.app,
            Method::POST,
            &format!("/api/v1/invitations/{token}/accept"),
            As::Nobody,
            Some(&json!({"email": fresh_email("late"), "password": PASSWORD})),
        )
        .await;

        assert_outcome(
            &format!("showing {case}"),
            shown,
            &shown_body,
            StatusCode::NOT_FOUND,
        );
        assert_outcome(
            &format!("accepting {case}"),
            accepted,
            &accepted_body,
            StatusCode::NOT_FOUND,
        );
    }
    let (again, again_body) = team
        .call(Method::DELETE, &withdraw, As::Script(&team.admin), None)
        .await;
    assert_outcome(
        "withdrawing twice",
        again,
        &again_body,
        StatusCode::NOT_FOUND,
    );
}

#[tokio::test]
async fn accepting_an_invitation_to_a_workspace_one_is_already_in_is_a_conflict() {
    let team = Team::spawn().await;
    let (_, token) = team.invite(As::Script(&team.owner), "admin").await;

    let (status, body) = call(
        &team.app,
        Method::POST,
        &format!("/api/v1/invitations/{token}/accept"),
        As::Script(&team.member),
        None,
    )
    .await;
    let (shown, _) = call(
        &team.app,
        Method::GET,
        &format!("/api/v1/invitations/{token}"),
        As::Nobody,
        None,
    )
    .await;

    assert_outcome("a member accepts", status, &body, StatusCode::CONFLICT);
    assert_eq!(shown, StatusCode::OK, "the invitation stays open");
    assert!(
        team.roles()
            .await
            .contains(&("member@acme.test".into(), "member".into())),
        "the member's role is unchanged"
    );
}
