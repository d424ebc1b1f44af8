//! The language of the user's turns, from function words (stop words) and letters that only
//! some languages use. Small and fast; it needs a few words to decide and says `unknown`
//! otherwise.

use super::words;

/// The languages the detector knows, with their most frequent function words.
const LANGUAGES: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "and", "is", "are", "you", "my", "i", "to", "of", "what", "how", "it", "this",
            "that", "can", "do", "does", "with", "for", "please", "thanks", "not", "have", "your",
            "on", "in", "me", "why", "where", "which", "was", "be", "i'm", "don't", "it's", "an",
            "at", "from", "just", "would", "should", "there", "they", "we", "will", "get",
        ],
    ),
    (
        "es",
        &[
            "el", "la", "los", "las", "de", "que", "y", "es", "en", "un", "una", "por", "para",
            "con", "mi", "me", "no", "qué", "cómo", "cuál", "dónde", "está", "gracias", "hola",
            "puedo", "quiero", "del", "al", "lo", "se", "su", "muy", "pero", "eso", "esto", "te",
            "ya", "he", "hay", "son", "tu", "puedes", "necesito",
        ],
    ),
    (
        "fr",
        &[
            "le", "la", "les", "de", "des", "du", "et", "est", "un", "une", "je", "vous", "tu",
            "pour", "pas", "ne", "que", "qui", "mon", "ma", "mes", "merci", "avec", "sur", "dans",
            "ce", "quel", "quelle", "comment", "plaît", "au", "aux", "il", "elle", "nous", "en",
            "ça", "c'est", "n'est", "j'ai", "m'aidez", "moi", "votre", "puis",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "ich", "sie", "nicht", "ein", "eine", "mit", "mein",
            "meine", "wie", "was", "wo", "wann", "bitte", "danke", "auf", "für", "zu", "den",
            "dem", "es", "haben", "kann", "ihr", "sich", "auch", "noch", "schon", "mir", "mich",
            "seit", "doch", "hat", "du", "einem", "einen", "werden", "warum",
        ],
    ),
    (
        "it",
        &[
            "il", "lo", "gli", "di", "che", "è", "per", "non", "sono", "mio", "grazie", "come",
            "perché", "questo", "della", "una", "ho", "mi", "ciao", "anche",
        ],
    ),
    (
        "pt",
        &[
            "o", "os", "de", "que", "não", "é", "obrigado", "obrigada", "como", "meu", "minha",
            "para", "com", "uma", "você", "isso", "está", "olá", "tenho",
        ],
    ),
    (
        "nl",
        &[
            "de",
            "het",
            "een",
            "en",
            "is",
            "ik",
            "niet",
            "van",
            "je",
            "dat",
            "wat",
            "hoe",
            "mijn",
            "bedankt",
            "alstublieft",
            "graag",
            "kan",
            "er",
        ],
    ),
];

/// Letters that point to one language, worth two function words each.
const LETTERS: &[(char, &str)] = &[
    ('ñ', "es"),
    ('¿', "es"),
    ('¡', "es"),
    ('ß', "de"),
    ('ä', "de"),
    ('ö', "de"),
    ('ü', "de"),
    ('ç', "fr"),
    ('è', "fr"),
    ('ê', "fr"),
    ('ã', "pt"),
    ('õ', "pt"),
];

/// The ISO 639-1 code of the language of `text` (already lower-cased), or `unknown` when
/// fewer than two clues point to one language or two languages tie.
pub fn detect(text: &str) -> &'static str {
    let mut scores = [0u32; LANGUAGES.len()];
    for word in words(text) {
        for (i, (_, stop_words)) in LANGUAGES.iter().enumerate() {
            if stop_words.contains(&word) {
                scores[i] += 1;
            }
        }
    }
    for c in text.chars() {
        if let Some((_, code)) = LETTERS.iter().find(|(l, _)| *l == c)
            && let Some(i) = LANGUAGES.iter().position(|(l, _)| l == code)
        {
            scores[i] += 2;
        }
    }
    let mut ranked: Vec<(u32, usize)> = scores.iter().copied().zip(0..).collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let (best, index) = ranked[0];
    if best < 2 || ranked[1].0 == best {
        return "unknown";
    }
    LANGUAGES[index].0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_supported_languages() {
        let cases = [
            (
                "how do i export my invoices as pdf?",
                "en",
                "an english question",
            ),
            (
                "¿cómo puedo cambiar la contraseña de mi cuenta?",
                "es",
                "a spanish question",
            ),
            (
                "comment puis-je modifier mon adresse de livraison ?",
                "fr",
                "a french question",
            ),
            (
                "wie kann ich meine rechnung herunterladen?",
                "de",
                "a german question",
            ),
            (
                "der build schlägt fehl, bitte beheben.",
                "de",
                "german with an english word",
            ),
            ("ok", "unknown", "one word is not enough"),
            ("", "unknown", "nothing at all"),
        ];
        for (text, expected, why) in cases {
            assert_eq!(detect(text), expected, "{why}: {text:?}");
        }
    }
}
