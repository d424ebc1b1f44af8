//! What a user turn says about how the user feels: frustration (strong, aimed at the AI or the
//! conversation), dissatisfaction (milder), explicit positive feedback, and resignation (giving
//! up, politely or not). Negative markers win over positive words, which is how sarcasm such as
//! "great, another useless answer" reads as negative.

use super::{has_any, words};

/// Strong markers aimed at the assistant or the conversation. Frustration with something
/// outside ("my landlord", "my code is so frustrating") is deliberately absent.
const FRUSTRATION: &[&str] = &[
    "not what i asked",
    "you keep",
    "i've already told you",
    "i already told you",
    "i have already told you",
    "told you three times",
    "asked three times",
    "i've asked",
    "ridiculous",
    "you're not helping",
    "you are not helping",
    "not helping at all",
    "useless",
    "unbelievable",
    "what the hell",
    "wtf",
    "absurd",
    "infuriating",
    "stupid",
    "waste of time",
    "stop giving",
    "stop doing",
    "for the last time",
    "are you even listening",
    "this is frustrating",
    "this is so frustrating",
    "so annoying",
    "this is annoying",
    "damn",
    "fuck*",
    "shit",
    "crap",
    "pathetic",
    "terrible",
    "awful",
    "worst",
    // es
    "ridículo",
    "no me ayudas",
    "no me estás ayudando",
    "inútil",
    "ya te lo he dicho",
    "harto",
    "qué vergüenza",
    "absurdo",
    "una tomadura de pelo",
    // fr
    "pas du tout ce que",
    "vous ne m'aidez pas",
    "tu ne m'aides pas",
    "n'importe quoi",
    "ridicule",
    "inutile",
    "je l'ai déjà dit",
    "c'est nul",
    "agaçant",
    "énervant",
    // de
    "lächerlich",
    "nervig",
    "überhaupt nicht",
    "helfen mir nicht",
    "nutzlos",
    "frechheit",
    "schon dreimal",
    "das ist doch",
    "unverschämt",
    "ärgerlich",
];

/// Milder negative evaluations of the assistant's answer.
const DISSATISFACTION: &[&str] = &[
    "not quite",
    "not what i needed",
    "not what i was looking for",
    "doesn't help",
    "does not help",
    "doesn't really help",
    "i was hoping for",
    "that's not right",
    "that's not it",
    "not helpful",
    "still not",
    "still fails",
    "still doesn't",
    "still does not",
    "still returns",
    "still the old",
    "still the same",
    "still broken",
    "didn't answer",
    "you didn't say",
    "did not answer",
    "doesn't work",
    "does not work",
    "didn't work",
    "not working",
    "that's not what",
    "wrong answer",
    // es
    "no me sirve",
    "no es lo que",
    "sigue sin",
    "no funciona",
    "todavía no",
    // fr
    "ce n'est pas ce que",
    "toujours pas",
    "ne marche pas",
    "ça ne marche",
    "pas ce que",
    // de
    "immer noch",
    "hilft nicht",
    "nicht das, was",
    "funktioniert nicht",
    "klappt nicht",
];

/// Explicit positive evaluation; bare "thanks" or "ok" is acknowledgment, not feedback.
const POSITIVE: &[&str] = &[
    "perfect",
    "exactly what i needed",
    "that's exactly",
    "exactly it",
    "yes, exactly",
    "works great",
    "worked perfectly",
    "worked",
    "works perfectly",
    "that worked",
    "it worked",
    "it works",
    "that works",
    "solved it",
    "solves it",
    "solved my",
    "that helps",
    "this helps",
    "helpful",
    "great explanation",
    "excellent",
    "thank you so much",
    "that's all i needed",
    "great job",
    "great",
    "nice",
    "awesome",
    "wonderful",
    "brilliant",
    "fantastic",
    "love it",
    "found them",
    "found it",
    "much cleaner",
    "goes green",
    "thanks a lot",
    "much appreciated",
    // es
    "perfecto",
    "genial",
    "funciona",
    "resuelto",
    "excelente",
    "me sirve",
    "estupendo",
    // fr
    "parfait",
    "super",
    "ça marche",
    "génial",
    "excellent",
    "ça fonctionne",
    "top",
    // de
    "perfekt",
    "hat funktioniert",
    "funktioniert",
    "das hilft",
    "hilft mir",
    "toll",
    "klasse",
    "prima",
    "wunderbar",
];

/// Giving up: a polite or resigned exit, or dropping the thread.
const RESIGNATION: &[&str] = &[
    "thanks for trying",
    "thanks anyway",
    "thank you anyway",
    "i'll look elsewhere",
    "i'll figure it out myself",
    "i'll do it myself",
    "i'll figure it out",
    "never mind",
    "nevermind",
    "forget it",
    "whatever",
    "i give up",
    "i'll ask someone else",
    // es
    "gracias de todas formas",
    "gracias igualmente",
    "en otro sitio",
    "olvídalo",
    "da igual",
    "déjalo",
    // fr
    "merci quand même",
    "tant pis",
    "laisse tomber",
    "ailleurs",
    "oubliez",
    // de
    "danke trotzdem",
    "schon gut",
    "vergiss es",
    "woanders",
    "egal",
];

/// Resigned exits that also carry a negative tone.
const RESENTFUL: &[&str] = &["fine, i'll", "whatever", "i give up", "da igual", "egal"];

/// Words that set a positive remark against a complaint ("worked, but ...").
const CONTRAST: &[&str] = &["but", "pero", "mais", "aber", "however", "sin embargo"];

/// Plain negative or positive words for a message that is neither feedback nor complaint
/// (e.g. a first message that expresses a feeling).
const NEGATIVE_WORDS: &[&str] = &[
    "disappointed",
    "disappointing",
    "angry",
    "upset",
    "annoyed",
    "hate",
    "bad",
    "unhappy",
    "mistake",
    "decepcionado",
    "enfadado",
    "déçu",
    "mécontent",
    "enttäuscht",
    "sauer",
];
const POSITIVE_WORDS: &[&str] = &[
    "love",
    "happy",
    "glad",
    "fantastic",
    "great",
    "amazing",
    "encanta",
    "contento",
    "j'adore",
    "content",
    "liebe",
    "froh",
];

/// How one user turn reads.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Feelings {
    pub frustration: bool,
    pub dissatisfaction: bool,
    pub positive: bool,
    pub resignation: bool,
    /// A positive remark set against a remaining problem ("the first part works, but ...").
    pub partial: bool,
    /// The turn's tone: -1, 0 or 1.
    pub tone: i8,
}

/// Reads one user turn (`text` normalized, `raw` as written, for capitals and `!`);
/// `after_ai` says whether an assistant reply came before it (feedback needs one).
pub fn read(text: &str, raw: &str, after_ai: bool) -> Feelings {
    let strong = has_any(text, FRUSTRATION);
    let mild = after_ai && has_any(text, DISSATISFACTION);
    let exclaimed = raw.contains('!');
    // Capitals for emphasis with a complaint ("STOP", "TOMORROW") read as frustration.
    let shouted = words(raw).any(|w| w.chars().count() >= 4 && w.chars().all(char::is_uppercase))
        && (mild || words(text).next() == Some("no"));
    let frustration = strong || (mild && exclaimed) || shouted;
    let dissatisfaction = mild && !frustration;
    let praise = after_ai && has_any(text, POSITIVE);
    let contrast = has_any(text, CONTRAST);
    let partial = praise && mild && contrast && !strong;
    let positive = praise && !frustration && !mild;
    let resignation = after_ai && has_any(text, RESIGNATION);
    let tone = if frustration || (mild && !partial) || has_any(text, RESENTFUL) {
        -1
    } else if positive {
        1
    } else if partial || resignation {
        0
    } else if has_any(text, NEGATIVE_WORDS) {
        -1
    } else if has_any(text, POSITIVE_WORDS) {
        1
    } else {
        0
    };
    Feelings {
        frustration,
        dissatisfaction,
        positive,
        resignation,
        partial,
        tone,
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalize;
    use super::*;

    fn feel(raw: &str) -> Feelings {
        read(&normalize(raw), raw, true)
    }

    #[test]
    fn frustration_is_aimed_at_the_assistant() {
        let cases = [
            ("This is not what I asked for!", true, "a counts example"),
            (
                "You keep giving me the wrong answer",
                true,
                "repeated failure",
            ),
            (
                "I've already told you three times...",
                true,
                "told three times",
            ),
            ("STOP giving me X, I want Y", true, "capitals with a demand"),
            (
                "Great, another useless answer. Thanks a lot.",
                true,
                "sarcasm",
            ),
            (
                "my code is so frustrating today",
                false,
                "frustration with something outside",
            ),
            ("hmm, that's not quite right", false, "mild disappointment"),
            ("No, it's 5 hours, not 3.", false, "a neutral correction"),
            (
                "Now the HTTP call works, next the JSON part",
                false,
                "capitals after a word that only starts with no",
            ),
            ("Das ist doch lächerlich!", true, "german"),
            ("¡Esto es ridículo!", true, "spanish"),
        ];
        for (raw, expected, why) in cases {
            assert_eq!(feel(raw).frustration, expected, "{why}: {raw:?}");
        }
    }

    #[test]
    fn feedback_needs_evaluation_not_politeness() {
        let cases = [
            (
                "Perfect, that's exactly what I needed!",
                1,
                "explicit praise",
            ),
            ("ok thanks", 0, "acknowledgment"),
            (
                "Thanks for trying, I'll look elsewhere.",
                0,
                "a polite exit",
            ),
            (
                "Great, another useless answer.",
                -1,
                "sarcasm reads negative",
            ),
            (
                "Fine, I'll figure it out myself.",
                -1,
                "resentful resignation",
            ),
            ("That worked, thanks a lot!", 1, "thanks with evaluation"),
        ];
        for (raw, tone, why) in cases {
            assert_eq!(feel(raw).tone, tone, "{why}: {raw:?}");
        }
    }

    #[test]
    fn a_positive_remark_against_a_remaining_problem_is_partial() {
        let f = feel("Thanks, the first part worked but the address is still the old one.");
        assert!(f.partial, "praise, contrast and a remaining problem");
        assert!(!f.positive, "not plain positive feedback");
    }
}
