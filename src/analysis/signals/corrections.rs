//! A user correcting the assistant, a user repeating an earlier request, and the assistant
//! acknowledging a correction. Adding information, changing requirements ("actually, let's
//! make it five days") and asking a related question are not corrections or repeats.

use std::collections::BTreeSet;

use super::{has_any, words};

const CORRECTION: &[&str] = &[
    "that's wrong",
    "that is wrong",
    "that's incorrect",
    "that is incorrect",
    "that's not correct",
    "that is not correct",
    "you're wrong",
    "you are wrong",
    "actually, it's",
    "actually it's",
    "actually, it is",
    "actually, i'm",
    "actually i'm",
    "actually, i am",
    "actually, the",
    "actually, that's",
    "no, i meant",
    "i meant the",
    "the correct answer is",
    "the right answer is",
    "that's not true",
    // es
    "eso está mal",
    "es incorrecto",
    "te equivocas",
    "eso no es cierto",
    "no es correcto",
    // fr
    "c'est faux",
    "vous vous trompez",
    "tu te trompes",
    "c'est incorrect",
    "ce n'est pas correct",
    // de
    "das ist falsch",
    "das stimmt nicht",
    "stimmt nicht",
    "sie irren sich",
    "du irrst dich",
];

/// Openings that contradict the previous answer ("No, it's 5 hours").
const CONTRADICTION_OPENINGS: &[&str] = &["no, ", "non, ", "nein, ", "no. ", "nope, "];

const REPEAT_MARKERS: &[&str] = &[
    "like i said",
    "as i said",
    "again:",
    "again,",
    "i already asked",
    "i've already told you",
    "i already told you",
    "i have already told you",
    "i said",
    "like i asked",
    "once more",
    "ya te lo he dicho",
    "como te dije",
    "como ya dije",
    "wie gesagt",
    "ich sagte",
    "comme je l'ai dit",
    "je répète",
    "je vous l'ai dit",
];

const ACKNOWLEDGMENT: &[&str] = &[
    "you're right",
    "you are right",
    "my mistake",
    "my apologies",
    "apologies, you're",
    "i was wrong",
    "good catch",
    "you're correct",
    "you are correct",
    "tienes razón",
    "tiene razón",
    "vous avez raison",
    "tu as raison",
    "sie haben recht",
    "du hast recht",
];

/// Words too common to tell two requests apart.
const STOP_WORDS: &[&str] = &[
    "the", "a", "an", "and", "or", "is", "are", "it", "it's", "to", "of", "in", "on", "for", "my",
    "me", "i", "i'm", "you", "your", "please", "can", "could", "do", "does", "what", "how", "that",
    "this", "there", "not", "again", "like", "said", "hello", "hi", "now", "el", "la", "de", "que",
    "y", "en", "le", "les", "et", "der", "die", "das", "und",
];

/// Whether a user turn that follows an assistant turn corrects it.
pub fn corrects(text: &str) -> bool {
    has_any(text, CORRECTION) || CONTRADICTION_OPENINGS.iter().any(|o| text.starts_with(o))
}

/// Whether an assistant turn acknowledges a correction.
pub fn acknowledges(text: &str) -> bool {
    has_any(text, ACKNOWLEDGMENT)
}

/// The content words of a turn, for comparing requests.
pub fn content_words(text: &str) -> BTreeSet<&str> {
    words(text)
        .filter(|w| w.chars().count() >= 2 && !STOP_WORDS.contains(w))
        .collect()
}

/// Whether a user turn repeats one of the user's earlier turns: a repeat marker, or more than
/// 60 % of its content words shared (Jaccard) with an earlier turn.
pub fn repeats<W: Ord>(text: &str, current: &BTreeSet<W>, earlier: &[BTreeSet<W>]) -> bool {
    if earlier.is_empty() {
        return false;
    }
    if has_any(text, REPEAT_MARKERS) {
        return true;
    }
    earlier.iter().any(|prior| {
        let shared = current.intersection(prior).count();
        let union = current.union(prior).count();
        union > 0 && shared >= 2 && shared * 10 > union * 6
    })
}

#[cfg(test)]
mod tests {
    use super::super::normalize;
    use super::*;

    #[test]
    fn corrections_state_an_error() {
        let cases = [
            (
                "That's wrong, the answer is Y not X",
                true,
                "a counts example",
            ),
            (
                "Actually, I'm using Python 2, not 3",
                true,
                "a counts example",
            ),
            (
                "No, the function should return a list",
                true,
                "a contradiction",
            ),
            (
                "Actually, let's make it five days instead",
                false,
                "a change of requirements",
            ),
            (
                "Also, it's in Lisbon, if that helps",
                false,
                "new information",
            ),
            ("Nein, das ist falsch", true, "german"),
        ];
        for (text, expected, why) in cases {
            assert_eq!(corrects(&normalize(text)), expected, "{why}: {text:?}");
        }
    }

    #[test]
    fn repeats_say_the_same_thing_again() {
        let first = normalize("What's the refund window for electronics?");
        let cases = [
            (
                "What's the refund window for electronics?",
                true,
                "verbatim",
            ),
            (
                "Like I said, I need the refund window",
                true,
                "a repeat marker",
            ),
            (
                "And what's the refund window for furniture?",
                false,
                "a related question",
            ),
            ("Do you sell gift cards?", false, "a new question"),
        ];
        for (text, expected, why) in cases {
            let text = normalize(text);
            let earlier = [content_words(&first)];
            let got = repeats(&text, &content_words(&text), &earlier);
            assert_eq!(got, expected, "{why}: {text:?}");
        }
    }
}
