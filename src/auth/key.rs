//! API key format: generate, parse (format and checksum, before any lookup), hash, hint.
//!
//! New keys: `sk-bigspin-api03-`, then 43 base62 characters of secret (32 bytes from the OS
//! CSPRNG), then 6 base62 characters of CRC-32 (ISO-HDLC, as zlib computes it) of everything
//! before it.
//!
//! Legacy keys: `sk-prism-api03-` + 20–200 characters of `[A-Za-z0-9_-]`, no checksum.

use std::fmt;

use zeroize::Zeroizing;

use crate::model::KeyHash;

pub const PREFIX: &str = "sk-bigspin-api03-";
pub const LEGACY_PREFIX: &str = "sk-prism-api03-";
const SECRET_LEN: usize = 43;
const CHECKSUM_LEN: usize = 6;
/// Length of a new key: prefix, secret, checksum.
pub const KEY_LEN: usize = PREFIX.len() + SECRET_LEN + CHECKSUM_LEN;
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A plaintext key, freshly generated or imported. `Debug` never shows it and there is no
/// `Display`; it is read by [`PlaintextKey::expose`] or by serializing it, each done exactly once
/// to hand it to its owner. Its memory is wiped when it is dropped.
pub struct PlaintextKey(Zeroizing<String>);

impl PlaintextKey {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.0)
    }

    pub fn hint(&self) -> String {
        hint(&self.0)
    }
}

impl serde::Serialize for PlaintextKey {
    /// The plaintext itself: only the response to a key's creation serializes one.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl fmt::Debug for PlaintextKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlaintextKey(<redacted>)")
    }
}

/// Why a bearer token is not a usable key, before any lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormatError {
    UnknownPrefix,
    BadLength,
    BadAlphabet,
    BadChecksum,
}

/// A key whose format (and, for new keys, checksum) is correct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Current,
    Legacy,
}

/// Checks a presented key's shape; the only thing done to a key before it is hashed.
pub fn check_format(key: &str) -> Result<KeyKind, KeyFormatError> {
    if let Some(rest) = key.strip_prefix(PREFIX) {
        if rest.len() != SECRET_LEN + CHECKSUM_LEN {
            return Err(KeyFormatError::BadLength);
        }
        if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(KeyFormatError::BadAlphabet);
        }
        let (body, checksum) = key.split_at(KEY_LEN - CHECKSUM_LEN);
        if checksum.as_bytes() != checksum_of(body) {
            return Err(KeyFormatError::BadChecksum);
        }
        Ok(KeyKind::Current)
    } else if let Some(rest) = key.strip_prefix(LEGACY_PREFIX) {
        if !(20..=200).contains(&rest.len()) {
            return Err(KeyFormatError::BadLength);
        }
        if !rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(KeyFormatError::BadAlphabet);
        }
        Ok(KeyKind::Legacy)
    } else {
        Err(KeyFormatError::UnknownPrefix)
    }
}

/// Validates a legacy key given for import.
pub fn parse_legacy(key: &str) -> Option<PlaintextKey> {
    (check_format(key) == Ok(KeyKind::Legacy))
        .then(|| PlaintextKey(Zeroizing::new(key.to_string())))
}

/// A new key from 32 bytes of the OS CSPRNG.
pub fn generate() -> PlaintextKey {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).expect("the OS random number generator is available");
    from_secret(secret)
}

fn from_secret(secret: [u8; 32]) -> PlaintextKey {
    let mut key = String::with_capacity(KEY_LEN);
    key.push_str(PREFIX);
    key.push_str(&base62_fixed(&secret, SECRET_LEN));
    let checksum = checksum_of(&key);
    key.push_str(std::str::from_utf8(&checksum).expect("base62 is ASCII"));
    PlaintextKey(Zeroizing::new(key))
}

/// CRC-32 of `body` in 6 base62 digits (62^6 > 2^32), without allocating: it runs on every
/// authenticated request.
fn checksum_of(body: &str) -> [u8; CHECKSUM_LEN] {
    let mut crc = crc32fast::hash(body.as_bytes());
    let mut digits = [b'0'; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = ALPHABET[(crc % 62) as usize];
        crc /= 62;
    }
    digits
}

/// Big-endian bytes as a base62 number, most significant digit first, left-padded with `0`.
fn base62_fixed(bytes: &[u8], width: usize) -> String {
    let mut number = bytes.to_vec();
    let mut digits = Vec::with_capacity(width);
    while number.iter().any(|&b| b != 0) {
        let mut remainder = 0u32;
        for byte in number.iter_mut() {
            let acc = (remainder << 8) | u32::from(*byte);
            *byte = (acc / 62) as u8;
            remainder = acc % 62;
        }
        digits.push(ALPHABET[remainder as usize]);
    }
    assert!(digits.len() <= width, "number does not fit {width} digits");
    digits.resize(width, b'0');
    digits.reverse();
    String::from_utf8(digits).expect("base62 is ASCII")
}

/// The masked form kept for display: prefix, first 4 characters of the secret, `…`, last 4.
pub fn hint(key: &str) -> String {
    let prefix = if key.starts_with(PREFIX) {
        PREFIX
    } else if key.starts_with(LEGACY_PREFIX) {
        LEGACY_PREFIX
    } else {
        ""
    };
    let secret = &key[prefix.len()..];
    let first: String = secret.chars().take(4).collect();
    let last: String = {
        let chars: Vec<char> = key.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    };
    format!("{prefix}{first}…{last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_documented_shape() {
        for _ in 0..200 {
            let key = generate();
            let text = key.expose();
            assert_eq!(text.len(), KEY_LEN);
            assert!(text.starts_with(PREFIX));
            assert_eq!(check_format(text), Ok(KeyKind::Current));
        }
    }

    #[test]
    fn base62_uses_digits_then_upper_then_lower() {
        assert_eq!(base62_fixed(&[0], 3), "000");
        assert_eq!(base62_fixed(&[61], 2), "0z");
        assert_eq!(base62_fixed(&[62], 2), "10");
        assert_eq!(base62_fixed(&[36], 1), "a");
        assert_eq!(base62_fixed(&[0xff; 32], SECRET_LEN).len(), SECRET_LEN);
    }

    #[test]
    fn checksum_is_zlib_crc32_in_base62() {
        // zlib.crc32(b"sk-bigspin-api03-" + b"0" * 43) == 0x... computed independently below.
        let body = format!("{PREFIX}{}", "0".repeat(SECRET_LEN));
        let crc = crc32fast::hash(body.as_bytes());
        let mut n = u64::from(crc);
        let mut expected = Vec::new();
        for _ in 0..CHECKSUM_LEN {
            expected.push(ALPHABET[(n % 62) as usize]);
            n /= 62;
        }
        expected.reverse();
        assert_eq!(&checksum_of(&body), expected.as_slice());
        // CRC-32/ISO-HDLC check value.
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn malformed_keys_are_rejected_with_a_reason() {
        let good = generate();
        let good = good.expose();
        let mut wrong_checksum = good.to_string();
        let last = wrong_checksum.pop().unwrap();
        wrong_checksum.push(if last == 'a' { 'b' } else { 'a' });
        let cases = [
            (
                "sk-other-1234567890123456789012345",
                KeyFormatError::UnknownPrefix,
            ),
            (&good[..good.len() - 1], KeyFormatError::BadLength),
            (&format!("{good}x"), KeyFormatError::BadLength),
            (
                &format!("{}-{}", &good[..30], &good[31..]),
                KeyFormatError::BadAlphabet,
            ),
            (&wrong_checksum, KeyFormatError::BadChecksum),
            ("sk-prism-api03-short", KeyFormatError::BadLength),
            (
                "sk-prism-api03-has space in it......",
                KeyFormatError::BadAlphabet,
            ),
        ];
        for (key, reason) in cases {
            assert_eq!(check_format(key), Err(reason), "{key}");
        }
    }

    #[test]
    fn legacy_keys_are_accepted_without_checksum() {
        assert_eq!(
            check_format("sk-prism-api03-abc_DEF-1234567890xyz"),
            Ok(KeyKind::Legacy)
        );
    }

    #[test]
    fn hint_masks_the_secret() {
        let key = from_secret([7; 32]);
        let text = key.expose().to_string();
        let hint = key.hint();
        assert!(hint.starts_with(&format!(
            "{PREFIX}{}",
            &text[PREFIX.len()..PREFIX.len() + 4]
        )));
        assert!(hint.ends_with(&text[text.len() - 4..]));
        assert!(hint.contains('…'));
        assert!(hint.len() < text.len() / 2 + 8);
    }

    #[test]
    fn debug_never_shows_the_plaintext() {
        let key = generate();
        assert!(!format!("{key:?}").contains(&key.expose()[PREFIX.len()..]));
    }

    #[test]
    fn hash_is_sha256_of_the_whole_string() {
        assert_eq!(
            KeyHash::of("abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
