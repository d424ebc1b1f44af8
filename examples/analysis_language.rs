//! Language identification accuracy of the analyzer on one-line texts labelled by language
//! (JSON lines `{"language": "en", "text": "..."}`); `scripts/analysis-language-corpus.sh`
//! builds them from chatterbot-corpus and runs this.

use std::collections::BTreeMap;

use halfpipe::analysis::analyze_turns;
use halfpipe::model::DomainPack;
use halfpipe::model::transcript::{Role, StoredTurn};
use serde_json::Value;

fn main() {
    let path = std::env::args().nth(1).expect("a JSON lines file");
    let text = std::fs::read_to_string(&path).expect("the labelled lines");
    // language → (total, correct, unknown)
    let mut tally: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let item: Value = serde_json::from_str(line).expect("a JSON line");
        let want = item["language"].as_str().expect("language").to_string();
        let turn = StoredTurn {
            index: 0,
            role: Role::User,
            content: item["text"].as_str().expect("text").to_string(),
            token_count: 0,
            tool_calls: None,
            tool_results: None,
            metadata: None,
            created_at: None,
        };
        let got = analyze_turns(&[turn], DomainPack::General).annotations["language"].clone();
        let entry = tally.entry(want.clone()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(got == want);
        entry.2 += usize::from(got == "unknown");
    }
    println!(
        "{:<6} {:>6} {:>9} {:>9} {:>19}",
        "lang", "lines", "accuracy", "unknown", "accuracy if known"
    );
    let (mut all, mut right, mut unknown) = (0, 0, 0);
    for (lang, (total, correct, unk)) in &tally {
        let known = total - unk;
        println!(
            "{lang:<6} {total:>6} {:>9.3} {:>9.3} {:>19.3}",
            *correct as f64 / *total as f64,
            *unk as f64 / *total as f64,
            *correct as f64 / known.max(1) as f64
        );
        (all, right, unknown) = (all + total, right + correct, unknown + unk);
    }
    println!(
        "{:<6} {all:>6} {:>9.3} {:>9.3} {:>19.3}",
        "all",
        right as f64 / all as f64,
        unknown as f64 / all as f64,
        right as f64 / (all - unknown).max(1) as f64
    );
}
