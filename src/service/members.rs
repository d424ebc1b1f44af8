//! Members and sign-in: create an account, check a password under the sign-in throttle, and
//! open a session.

use super::ServiceError;
use crate::auth::AuthError;
use crate::auth::session::{
    LoginThrottle, SecretToken, hash_password, validate_password, verify_password,
};
use crate::model::member::normalize_email;
use crate::model::{Member, Timestamp, ValidationError};
use crate::store::Store;

/// Creates a member account: a valid email, a password of 8–1024 characters (hashed with
/// argon2id off the async workers); 409 if the email is taken.
pub async fn create_member(
    store: &dyn Store,
    email: &str,
    password: &str,
) -> Result<Member, ServiceError> {
    ValidationError::reject_nul(email, "email")?;
    let email = normalize_email(email)
        .ok_or_else(|| ValidationError::new("email", "email must look like name@example.com"))?;
    validate_password(password)?;
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))??;
    Ok(store.create_member(&email, &hash).await?)
}

/// When a session opens and how long it lasts.
#[derive(Debug, Clone, Copy)]
pub struct SessionTerms {
    pub now: Timestamp,
    pub ttl: time::Duration,
}

/// A session just opened: the cookie's secret and when the session ends.
pub struct NewSession {
    pub token: SecretToken,
    pub expires_at: Timestamp,
}

/// Checks an email and password, then opens a session on `terms`. Failures are throttled
/// per email.
pub async fn sign_in(
    store: &dyn Store,
    throttle: &LoginThrottle,
    email: &str,
    password: &str,
    terms: SessionTerms,
) -> Result<(Member, NewSession), ServiceError> {
    // An email no account can have, but one PostgreSQL cannot even look up: a 400, not a 500.
    ValidationError::reject_nul(email, "email")?;
    let email = normalize_email(email).ok_or(AuthError::WrongCredentials)?;
    let found = store.member_by_email(&email).await?;
    let member = check_password(throttle, &email, found, password).await?;
    let session = open_session(store, &member, terms).await?;
    Ok((member, session))
}

/// Signs in to the account with this email, or creates one with this password if there is
/// none (accepting an invitation without a session), then opens a session on `terms`.
pub async fn sign_in_or_up(
    store: &dyn Store,
    throttle: &LoginThrottle,
    email: &str,
    password: &str,
    terms: SessionTerms,
) -> Result<(Member, NewSession), ServiceError> {
    ValidationError::reject_nul(email, "email")?;
    let email = normalize_email(email)
        .ok_or_else(|| ValidationError::new("email", "email must look like name@example.com"))?;
    let member = match store.member_by_email(&email).await? {
        found @ Some(_) => check_password(throttle, &email, found, password).await?,
        None => create_member(store, &email, password).await?,
    };
    let session = open_session(store, &member, terms).await?;
    Ok((member, session))
}

/// The member if `password` is theirs. Every check counts against the email's throttle first;
/// an unknown email takes as long as a known one, so timing does not reveal who has an account.
async fn check_password(
    throttle: &LoginThrottle,
    email: &str,
    found: Option<(Member, String)>,
    password: &str,
) -> Result<Member, ServiceError> {
    throttle.attempt(email)?;
    let (member, stored) = match found {
        Some((member, stored)) => (Some(member), stored),
        None => (None, DUMMY_HASH.to_string()),
    };
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| ServiceError::Internal(format!("password check failed: {e}")))?;
    match member {
        Some(member) if ok => {
            throttle.succeeded(email);
            Ok(member)
        }
        // The attempt already counts as a failure.
        _ => Err(AuthError::WrongCredentials.into()),
    }
}

/// An argon2id hash of a random password, verified against when the email is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Ysy8zXyqvtFvKxJYZ8Qe5Ae2x1Cq6kQK3PcoKqK9yU";

/// Opens a session for `member` on `terms`.
pub async fn open_session(
    store: &dyn Store,
    member: &Member,
    terms: SessionTerms,
) -> Result<NewSession, ServiceError> {
    let token = SecretToken::generate();
    let expires_at = terms.now.plus(terms.ttl);
    store
        .create_session(token.hash(), member.id, expires_at)
        .await?;
    Ok(NewSession { token, expires_at })
}
