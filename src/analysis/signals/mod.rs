//! The detectors, one file per family of signals. Each works on normalized text (see
//! [`normalize`]) and is a pure function; the phrase lists are our own, written from the
//! taxonomy's `counts` / `does_not_count` boundary cases.

pub mod corrections;
pub mod escalation;
pub mod feelings;
pub mod intent;
pub mod language;
pub mod malfunction;
pub mod pii;
pub mod tools;

/// Lower-cases `text` and folds typographic apostrophes, so that phrase lists need one form.
pub fn normalize(text: &str) -> String {
    text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'")
}

/// Whether `phrase` occurs in `text` as whole words: the characters either side of the match
/// are not letters or digits. A phrase ending in `*` matches as a prefix (`frustrat*`).
pub fn has_phrase(text: &str, phrase: &str) -> bool {
    let (phrase, prefix) = match phrase.strip_suffix('*') {
        Some(stem) => (stem, true),
        None => (phrase, false),
    };
    let mut start = 0;
    while let Some(found) = text[start..].find(phrase) {
        let at = start + found;
        let end = at + phrase.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let starts_word = before.is_none_or(|c| !c.is_alphanumeric())
            || !phrase.starts_with(char::is_alphanumeric);
        let ends_word = prefix
            || after.is_none_or(|c| !c.is_alphanumeric())
            || !phrase.ends_with(char::is_alphanumeric);
        if starts_word && ends_word {
            return true;
        }
        start = at + text[at..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Whether any of `phrases` occurs in `text` (see [`has_phrase`]).
pub fn has_any(text: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| has_phrase(text, p))
}

/// The words of `text`: maximal runs of letters, digits and apostrophes.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_whole_words_only() {
        let cases = [
            ("you are not helping", "not helping", true, "a plain match"),
            (
                "the agentic flow",
                "agent",
                false,
                "a word that only starts with the phrase",
            ),
            (
                "reagent",
                "agent",
                false,
                "a word that only ends with the phrase",
            ),
            ("this is frustrating", "frustrat*", true, "a prefix phrase"),
            (
                "again: how",
                "again:",
                true,
                "a phrase ending in punctuation",
            ),
            ("gain: x", "again:", false, "no match at all"),
        ];
        for (text, phrase, expected, why) in cases {
            assert_eq!(
                has_phrase(text, phrase),
                expected,
                "{why}: {phrase:?} in {text:?}"
            );
        }
    }
}
