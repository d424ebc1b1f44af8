//! Members and sign-in: create an account, check a password under the sign-in throttle, and
//! open a session.

use std::net::IpAddr;

use super::ServiceError;
use crate::auth::AuthError;
use crate::auth::password::PasswordWorkers;
use crate::auth::session::{LoginThrottle, SecretToken, validate_password};
use crate::model::member::normalize_email;
use crate::model::{Member, Timestamp, ValidationError};
use crate::store::Store;

/// Creates a member account: a valid email, a password of 8–1024 characters (hashed with
/// argon2id on the password threads); 409 if the email is taken.
pub async fn create_member(
    store: &dyn Store,
    passwords: &PasswordWorkers,
    email: &str,
    password: &str,
) -> Result<Member, ServiceError> {
    ValidationError::reject_nul(email, "email")?;
    let email = normalize_email(email)
        .ok_or_else(|| ValidationError::new("email", "email must look like name@example.com"))?;
    validate_password(password)?;
    let hash = passwords.hash(password).await?;
    Ok(store.create_member(&email, &hash).await?)
}

/// What guards a sign-in: the throttles (per email and per address), the bounded password
/// threads, and the address the attempt comes from.
pub struct SignInGate<'a> {
    pub throttle: &'a LoginThrottle,
    pub passwords: &'a PasswordWorkers,
    pub peer: IpAddr,
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

/// Checks an email and password, then opens a session on `terms`. Attempts are throttled per
/// address, failures per email.
pub async fn sign_in(
    store: &dyn Store,
    gate: &SignInGate<'_>,
    email: &str,
    password: &str,
    terms: SessionTerms,
) -> Result<(Member, NewSession), ServiceError> {
    gate.throttle.attempt_from(gate.peer)?;
    // An email no account can have, but one PostgreSQL cannot even look up: a 400, not a 500.
    ValidationError::reject_nul(email, "email")?;
    let email = normalize_email(email).ok_or(AuthError::WrongCredentials)?;
    let found = store.member_by_email(&email).await?;
    let member = check_password(gate, &email, found, password).await?;
    let session = open_session(store, &member, terms).await?;
    Ok((member, session))
}

/// Signs in to the account with this email, or creates one with this password if there is
/// none (accepting an invitation without a session), then opens a session on `terms`.
pub async fn sign_in_or_up(
    store: &dyn Store,
    gate: &SignInGate<'_>,
    email: &str,
    password: &str,
    terms: SessionTerms,
) -> Result<(Member, NewSession), ServiceError> {
    gate.throttle.attempt_from(gate.peer)?;
    ValidationError::reject_nul(email, "email")?;
    let email = normalize_email(email)
        .ok_or_else(|| ValidationError::new("email", "email must look like name@example.com"))?;
    let member = match store.member_by_email(&email).await? {
        found @ Some(_) => check_password(gate, &email, found, password).await?,
        None => create_member(store, gate.passwords, &email, password).await?,
    };
    let session = open_session(store, &member, terms).await?;
    Ok((member, session))
}

/// The member if `password` is theirs. Every check counts against the email's throttle first;
/// an unknown email takes as long as a known one, so timing does not reveal who has an account.
async fn check_password(
    gate: &SignInGate<'_>,
    email: &str,
    found: Option<(Member, String)>,
    password: &str,
) -> Result<Member, ServiceError> {
    gate.throttle.attempt(email)?;
    let stored = found
        .as_ref()
        .map_or(DUMMY_HASH, |(_, stored)| stored.as_str());
    let ok = gate.passwords.verify(password, stored).await?;
    match found {
        Some((member, _)) if ok => {
            gate.throttle.succeeded(email);
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
