//! Dashboard sign-in: argon2id passwords, session tokens (an HttpOnly cookie, stored only as
//! SHA-256), short-lived HS256 JWTs for scripts, and the throttle on failed sign-ins.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter as Gcra};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AuthError;
use super::ratelimit::{RateLimitInfo, RateLimitScope};
use zeroize::Zeroizing;

use crate::model::{MemberId, Timestamp, TokenHash, ValidationError};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "halfpipe_session";
/// How long a JWT from `POST /api/v1/auth/login` is valid.
pub const JWT_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Shortest and longest password accepted.
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=1024;

/// Checks a new password's length.
pub fn validate_password(password: &str) -> Result<(), ValidationError> {
    if PASSWORD_CHARS.contains(&password.chars().count()) {
        Ok(())
    } else {
        Err(ValidationError::new(
            "password",
            "password must be 8 to 1024 characters",
        ))
    }
}

/// Hashes a password with argon2id and a random salt (slow on purpose: call off the async
/// workers).
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

/// Whether `password` matches the stored PHC string (slow on purpose).
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random secret: 32 bytes from the OS CSPRNG, base64url.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A generated password for the bootstrap owner: 24 characters of base64url.
pub fn generate_password() -> String {
    random_token()[..24].to_string()
}

/// A bearer secret (session cookie, invitation link). `Debug` never shows it; its memory is
/// wiped when it is dropped.
pub struct SecretToken(Zeroizing<String>);

impl SecretToken {
    pub fn generate() -> Self {
        Self(Zeroizing::new(random_token()))
    }

    /// Wraps a token a client presented.
    pub fn presented(token: &str) -> Self {
        Self(Zeroizing::new(token.trim().to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// SHA-256 of the token: the only form stored.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

/// A signed management-API JWT, handed to the member who signed in. `Debug` never shows it; it
/// is read by serializing it into that one response.
#[derive(Clone)]
pub struct SessionJwt(Zeroizing<String>);

impl SessionJwt {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Serialize for SessionJwt {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl fmt::Debug for SessionJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionJwt(<redacted>)")
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

/// The claims of a management-API JWT. It is only as good as the session it names: signing
/// out ends both.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The member.
    pub sub: String,
    /// Hex SHA-256 of the session token.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

const JWT_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Signs `claims` as an HS256 JWT. (Written here rather than pulled from `jsonwebtoken`, whose
/// crypto backend brings RSA and elliptic curves this server never uses.)
pub fn encode_jwt(secret: &[u8], claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(JWT_HEADER);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialize"));
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(mac(secret, &signing_input).finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// Verifies an HS256 JWT's signature (constant time) and expiry; only HS256 is accepted.
pub fn decode_jwt(secret: &[u8], token: &str, now: i64) -> Option<Claims> {
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "HS256" {
        return None;
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let signed = &token[..token.rfind('.')?];
    mac(secret, signed).verify_slice(&signature).ok()?;
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (claims.exp > now).then_some(claims)
}

fn mac(secret: &[u8], input: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(input.as_bytes());
    mac
}

/// Slows down repeated failed sign-ins for one email: after 5 failures in a row, each further
/// attempt must wait 2^(n-5) seconds (at most 5 minutes) after the last failure. Beside it, a
/// budget of sign-in attempts per minute for each network address (an IPv6 client by its /64),
/// so that one client cannot try many emails either.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
    by_address: Option<(AddressLimiter, u32)>,
}

type AddressLimiter = Gcra<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>;

/// The address a budget is kept for: an IPv4 address itself, an IPv6 one by its /64 (one
/// client usually holds a whole /64).
fn budget_address(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
        v4 => v4,
    }
}

const FREE_FAILURES: u32 = 5;
const MAX_WAIT: Duration = Duration::from_secs(300);

impl LoginThrottle {
    /// A throttle allowing `per_address_per_minute` sign-in attempts per minute from one
    /// address (0: no limit per address).
    pub fn new(per_address_per_minute: u32) -> Self {
        Self {
            failures: Mutex::default(),
            by_address: NonZeroU32::new(per_address_per_minute).map(|n| {
                let limiter = Gcra::new(
                    Quota::per_minute(n),
                    DefaultKeyedStateStore::default(),
                    DefaultClock::default(),
                );
                (limiter, n.get())
            }),
        }
    }

    /// Counts a sign-in attempt from `address`: 429 once its budget for the minute is spent.
    pub fn attempt_from(&self, address: IpAddr) -> Result<(), AuthError> {
        let Some((limiter, per_minute)) = &self.by_address else {
            return Ok(());
        };
        let address = budget_address(address);
        limiter.check_key(&address).map_err(|not_until| {
            let wait = not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs_f64();
            // As for API keys: `reset` is until the whole budget is back, `retry_after` until
            // the next attempt is let through.
            let full = wait + f64::from(*per_minute - 1) * 60.0 / f64::from(*per_minute);
            AuthError::Throttled(RateLimitInfo {
                limit: *per_minute,
                remaining: 0,
                reset_secs: full.ceil().max(1.0) as u64,
                retry_after_secs: wait.ceil().max(1.0) as u64,
                scope: RateLimitScope::SignInAddress,
            })
        })?;
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        Ok(())
    }

    /// Starts a sign-in attempt for `email`: 429 while it must wait, otherwise the attempt
    /// counts as a failure until [`succeeded`](Self::succeeded) says otherwise. Counting before
    /// the (slow) password check, under one lock, means guesses sent all at once are counted
    /// too, not only those that finished.
    pub fn attempt(&self, email: &str) -> Result<(), AuthError> {
        let mut failures = self.failures.lock().expect("throttle lock");
        if let Some(&(count, last)) = failures.get(email)
            && count >= FREE_FAILURES
        {
            let wait = Duration::from_secs(1u64 << (count - FREE_FAILURES).min(9)).min(MAX_WAIT);
            let elapsed = last.elapsed();
            if elapsed < wait {
                // Rounded up, so that a client waiting this long is let through.
                let retry_secs = (wait - elapsed).as_secs_f64().ceil().max(1.0) as u64;
                return Err(AuthError::Throttled(RateLimitInfo {
                    limit: FREE_FAILURES,
                    remaining: 0,
                    reset_secs: retry_secs,
                    retry_after_secs: retry_secs,
                    scope: RateLimitScope::SignIn,
                }));
            }
        }
        if failures.len() > 100_000 {
            failures.retain(|_, (_, last)| last.elapsed() < MAX_WAIT);
        }
        let entry = failures
            .entry(email.to_string())
            .or_insert((0, Instant::now()));
        *entry = (entry.0 + 1, Instant::now());
        Ok(())
    }

    /// The attempt succeeded: `email` starts afresh.
    pub fn succeeded(&self, email: &str) {
        self.failures.lock().expect("throttle lock").remove(email);
    }
}

/// Makes the JWT for a session.
pub fn session_jwt(
    secret: &[u8],
    member: MemberId,
    session_hash: TokenHash,
    session_expires_at: Timestamp,
    now: Timestamp,
) -> (SessionJwt, Timestamp) {
    let exp = (now.unix_millis() / 1000 + JWT_LIFETIME.as_secs() as i64)
        .min(session_expires_at.unix_millis() / 1000);
    let claims = Claims {
        sub: member.to_string(),
        sid: hex::encode(session_hash.0),
        iat: now.unix_millis() / 1000,
        exp,
    };
    let expires = Timestamp::from_unix_millis(exp * 1000).unwrap_or(now);
    (
        SessionJwt(Zeroizing::new(encode_jwt(secret, &claims))),
        expires,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let stored = hash_password("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("wrong horse", &stored));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn jwts_round_trip_and_reject_tampering() {
        let claims = Claims {
            sub: "m".into(),
            sid: "s".into(),
            iat: 0,
            exp: 100,
        };
        let token = encode_jwt(b"secret", &claims);
        assert!(token.starts_with("ey"));
        assert_eq!(decode_jwt(b"secret", &token, 50), Some(claims.clone()));
        assert_eq!(decode_jwt(b"secret", &token, 100), None, "expired");
        assert_eq!(decode_jwt(b"other", &token, 50), None, "wrong key");
        let (rest, _) = token.rsplit_once('.').unwrap();
        let forged = format!("{rest}.{}", URL_SAFE_NO_PAD.encode([0u8; 32]));
        assert_eq!(decode_jwt(b"secret", &forged, 50), None, "bad signature");
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            token.split('.').nth(1).unwrap()
        );
        assert_eq!(decode_jwt(b"secret", &none_alg, 50), None, "alg none");
    }

    #[test]
    fn the_sixth_failure_in_a_row_must_wait() {
        let throttle = LoginThrottle::default();
        for _ in 0..FREE_FAILURES {
            assert!(throttle.attempt("a@b.c").is_ok());
        }
        assert!(matches!(
            throttle.attempt("a@b.c"),
            Err(AuthError::Throttled(_))
        ));
        assert!(throttle.attempt("other@b.c").is_ok());
        throttle.succeeded("a@b.c");
        assert!(throttle.attempt("a@b.c").is_ok());
    }

    #[test]
    fn an_address_past_its_budget_must_wait_and_others_do_not() {
        let throttle = LoginThrottle::new(3);
        let here: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..3 {
            assert!(throttle.attempt_from(here).is_ok());
        }
        match throttle.attempt_from(here) {
            Err(AuthError::Throttled(info)) => {
                assert_eq!(info.scope, RateLimitScope::SignInAddress);
                assert!(info.retry_after_secs >= 1);
            }
            other => panic!("expected a 429, got {other:?}"),
        }
        assert!(throttle.attempt_from("192.0.2.8".parse().unwrap()).is_ok());
        // One IPv6 client holds its whole /64.
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        for _ in 0..3 {
            assert!(throttle.attempt_from(a).is_ok());
        }
        assert!(throttle.attempt_from(b).is_err());
        assert!(LoginThrottle::default().attempt_from(here).is_ok());
    }

    #[test]
    fn secret_tokens_do_not_debug_print() {
        let token = SecretToken::generate();
        assert!(!format!("{token:?}").contains(token.expose()));
    }
}
