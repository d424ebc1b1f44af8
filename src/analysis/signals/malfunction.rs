//! Mechanical defects of an assistant turn: empty, cut off mid-sentence or mid-code-block,
//! looping (one sentence or line three or more times), or garbled. A short answer ("Yes.") or
//! a wrong but well-formed one is not a malfunction.

use std::collections::BTreeMap;

/// Shortest reply, in characters, that can be judged cut off by its last character.
const MIN_CUT_OFF_CHARS: usize = 60;
/// Shortest segment, in characters, that counts toward a loop.
const MIN_LOOP_SEGMENT_CHARS: usize = 12;

/// Whether an assistant turn is defective; `has_tool_calls` excuses an empty text.
pub fn malfunctions(content: &str, has_tool_calls: bool) -> bool {
    let text = content.trim();
    if text.is_empty() {
        return !has_tool_calls;
    }
    cut_off(text) || loops(text) || garbled(text)
}

/// Ends inside an open code block, or mid-sentence after a long reply.
fn cut_off(text: &str) -> bool {
    if text.matches("```").count() % 2 == 1 {
        return true;
    }
    let last = text.chars().next_back().unwrap_or('.');
    text.chars().count() >= MIN_CUT_OFF_CHARS && (last.is_alphabetic() || last == ',')
}

/// One sentence or line three or more times.
fn loops(text: &str) -> bool {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let segments = text.split(['\n', '.', '!', '?']).map(str::trim);
    for segment in segments.filter(|s| s.chars().count() >= MIN_LOOP_SEGMENT_CHARS) {
        let count = seen.entry(segment.to_lowercase()).or_default();
        *count += 1;
        if *count >= 3 {
            return true;
        }
    }
    false
}

/// Replacement characters, or mostly symbols outside code.
fn garbled(text: &str) -> bool {
    if text.contains('\u{FFFD}') {
        return true;
    }
    if text.contains("```") {
        return false;
    }
    let visible = text.chars().filter(|c| !c.is_whitespace()).count();
    let symbols = text
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_alphanumeric() && !".,;:'\"()-?!".contains(*c))
        .count();
    visible >= 20 && symbols * 10 > visible * 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_mechanical_defects_count() {
        let long_cut = "Compound interest means that the interest you earn is added to the \
                        principal, so that in the next period";
        let cases = [
            ("", false, true, "empty"),
            ("", true, false, "empty beside a tool call"),
            (long_cut, false, true, "ends mid-sentence"),
            (
                "Keep a routine. Keep a routine. Keep a routine.",
                false,
                true,
                "a loop",
            ),
            ("Yes.", false, false, "short but complete"),
            ("It fell in 1991.", false, false, "wrong but well-formed"),
            (
                "Here:\n```python\nprint(1)\n",
                false,
                true,
                "an open code block",
            ),
            (
                "Here:\n```python\nprint(1)\n```",
                false,
                false,
                "a closed code block",
            ),
            (
                "The terms say \u{FFFD}\u{FFFD} #@!%%$$",
                false,
                true,
                "garbled",
            ),
            (
                "Canberra",
                false,
                false,
                "a short answer without a full stop",
            ),
        ];
        for (text, tools, expected, why) in cases {
            assert_eq!(malfunctions(text, tools), expected, "{why}: {text:?}");
        }
    }
}
