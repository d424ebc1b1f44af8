//! Personal data in a turn: payment cards (13–19 digits passing Luhn), IBANs (valid ISO 7064
//! check digits), email addresses, phone numbers (9–15 digits written as a phone number:
//! with `+`, brackets or groups), and public IPv4 addresses (private, loopback and reserved
//! ranges are machines, not people). Digit strings that fail their checksum are not cards.

use std::collections::BTreeSet;

/// The kinds of personal data found in `text`, by their annotation names.
pub fn kinds(text: &str, found: &mut BTreeSet<&'static str>) {
    if text.contains('@') && has_email(text) {
        found.insert("email");
    }
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    let mut chars: Vec<char> = text.chars().collect();
    let ibans = iban_spans(&chars);
    if !ibans.is_empty() {
        found.insert("iban");
    }
    // An IBAN's digits are not also a card or a phone number.
    for (start, end) in ibans {
        chars[start..end].fill('X');
    }
    let (card, phone) = digit_runs(&chars);
    if card {
        found.insert("card");
    }
    if phone {
        found.insert("phone");
    }
    if has_public_ipv4(text) {
        found.insert("ip");
    }
}

fn has_email(text: &str) -> bool {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
    let domain = |b: u8| b.is_ascii_alphanumeric() || b".-".contains(&b);
    bytes.iter().enumerate().any(|(at, &b)| {
        if b != b'@' || at == 0 || !local(bytes[at - 1]) {
            return false;
        }
        let end = bytes[at + 1..]
            .iter()
            .position(|&b| !domain(b))
            .map_or(bytes.len(), |p| at + 1 + p);
        let host = text[at + 1..end].trim_end_matches(['.', '-']);
        let tld = host.rsplit('.').next().unwrap_or("");
        host.contains('.') && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
    })
}

/// Scans runs of digits joined by single spaces or hyphens (and `+`, brackets for phones);
/// returns whether one is a card and whether one is a phone number.
fn digit_runs(chars: &[char]) -> (bool, bool) {
    let (mut card, mut phone) = (false, false);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts = c.is_ascii_digit() || ((c == '+' || c == '(') && next_is_digit(chars, i));
        if !starts || (i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '.')) {
            i += 1;
            continue;
        }
        let (mut digits, mut groups, mut j) = (String::new(), 1, i);
        let formatted = c == '+' || c == '(';
        while j < chars.len() {
            let d = chars[j];
            if d.is_ascii_digit() {
                digits.push(d);
            } else if (d == ' ' || d == '-' || d == ')' || d == '(') && next_is_digit(chars, j) {
                groups += 1;
            } else if !(d == '+' && j == i || d == ')' && chars.get(j + 1) == Some(&' ')) {
                break;
            }
            j += 1;
        }
        // A run that continues as a decimal, a version or a date is not a number of a person.
        let joined_on = chars
            .get(j)
            .is_some_and(|d| d.is_alphanumeric() || *d == '.')
            && chars.get(j + 1).is_some_and(char::is_ascii_digit);
        if !joined_on {
            let n = digits.len();
            card |= (13..=19).contains(&n) && luhn(&digits) && !all_same(&digits);
            phone |= (9..=15).contains(&n) && (formatted || groups >= 2) && !card_like(&digits);
        }
        i = j.max(i + 1);
    }
    (card, phone)
}

fn next_is_digit(chars: &[char], i: usize) -> bool {
    chars.get(i + 1).is_some_and(char::is_ascii_digit)
}

fn all_same(digits: &str) -> bool {
    digits.bytes().all(|b| b == digits.as_bytes()[0])
}

/// Thirteen or more digits in groups of four read as a card or account number, not a phone.
fn card_like(digits: &str) -> bool {
    digits.len() >= 13 && luhn(digits)
}

/// The Luhn checksum of payment card numbers.
pub fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// An IBAN: two capital letters, two check digits, then 11–30 letters or digits, optionally
/// in groups separated by single spaces, whose ISO 7064 mod-97 remainder is 1.
fn iban_spans(chars: &[char]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i + 4 <= chars.len() {
        let head = chars[i].is_ascii_uppercase()
            && chars[i + 1].is_ascii_uppercase()
            && chars[i + 2].is_ascii_digit()
            && chars[i + 3].is_ascii_digit()
            && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !head {
            i += 1;
            continue;
        }
        let mut compact = String::new();
        let mut ends = Vec::new();
        let mut j = i;
        while j < chars.len() && compact.len() < 34 {
            let c = chars[j];
            if c.is_ascii_digit() || c.is_ascii_uppercase() {
                compact.push(c);
                ends.push(j + 1);
            } else if !(c == ' ' && chars.get(j + 1).is_some_and(char::is_ascii_alphanumeric)) {
                break;
            }
            j += 1;
        }
        // The number must end where the run of letters and digits ends: a prefix of a longer
        // code that happens to pass mod 97 is not an IBAN.
        let ends_a_word = |n: usize| {
            chars
                .get(ends[n - 1])
                .is_none_or(|c| !c.is_ascii_alphanumeric())
        };
        match (15..=compact.len())
            .rev()
            .find(|&n| ends_a_word(n) && iban_valid(&compact[..n]))
        {
            Some(n) => {
                spans.push((i, ends[n - 1]));
                i = ends[n - 1];
            }
            None => i += 1,
        }
    }
    spans
}

/// ISO 13616 check: move the first four characters to the end, letters as 10–35, mod 97 = 1.
pub fn iban_valid(iban: &str) -> bool {
    if !(15..=34).contains(&iban.len()) {
        return false;
    }
    let rearranged = iban[4..].chars().chain(iban[..4].chars());
    let mut remainder: u32 = 0;
    for c in rearranged {
        let value = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// A dotted quad of 0–255 that is not part of a longer dotted number, outside private,
/// loopback, link-local, multicast and reserved ranges.
fn has_public_ipv4(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|t| t.trim_end_matches('.'))
        .filter(|t| t.matches('.').count() == 3)
        .any(|candidate| {
            let parts: Vec<Option<u8>> = candidate
                .split('.')
                .map(|p| {
                    (!p.is_empty() && p.len() <= 3)
                        .then(|| p.parse().ok())
                        .flatten()
                })
                .collect();
            let [Some(a), Some(b), Some(_), Some(_)] = parts[..] else {
                return false;
            };
            let private = a == 10
                || a == 127
                || a == 0
                || a >= 224
                || (a == 172 && (16..32).contains(&b))
                || (a == 192 && b == 168)
                || (a == 169 && b == 254);
            !private
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&'static str> {
        let mut set = BTreeSet::new();
        kinds(text, &mut set);
        set.into_iter().collect()
    }

    #[test]
    fn personal_data_is_found_by_its_checksum_or_shape() {
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "card 4111 1111 1111 1111 exp 09/29",
                &["card"],
                "a Luhn-valid card",
            ),
            (
                "order 1234 5678 9012 3456",
                &[],
                "sixteen digits failing Luhn",
            ),
            ("ref 4111 1111 1111 1112", &[], "one digit off"),
            (
                "tracking 9400111899223344556677",
                &[],
                "too long for a card or phone",
            ),
            (
                "IBAN DE89 3704 0044 0532 0130 00",
                &["iban"],
                "a grouped IBAN",
            ),
            ("auf DE89370400440532013000.", &["iban"], "a compact IBAN"),
            (
                "code DE89370400440532013000X7",
                &[],
                "a valid IBAN inside a longer code",
            ),
            (
                "DE12 3456 7890 1234 5678 90",
                &[],
                "wrong IBAN check digits",
            ),
            ("mail jane.doe@example.org", &["email"], "an email"),
            ("twitter @handle", &[], "a handle is not an email"),
            (
                "call +44 20 7946 0958",
                &["phone"],
                "an international phone",
            ),
            ("(415) 555-0132", &["phone"], "a US phone"),
            ("au 06 12 34 56 78 demain", &["phone"], "a French phone"),
            (
                "on 2024-03-15 at 14:30 in room 4521",
                &[],
                "a date, a time, a room",
            ),
            ("server 203.0.113.42 down", &["ip"], "a public address"),
            ("version 10.2.3.4", &[], "a private range or a version"),
            ("localhost 127.0.0.1:5432", &[], "loopback"),
            ("order 123456789", &[], "a bare digit run is not a phone"),
        ];
        for (text, expected, why) in cases {
            assert_eq!(found(text), *expected, "{why}: {text:?}");
        }
    }
}
