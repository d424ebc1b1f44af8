//! The stored form of a session or invitation token.

use std::fmt;

/// SHA-256 of a bearer token (a session cookie, an invitation link): the only form in which
/// one is stored, so that a copy of the database opens no session.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not a secret, but a prefix is all a log ever needs.
        write!(f, "TokenHash({}…)", &hex::encode(self.0)[..8])
    }
}
