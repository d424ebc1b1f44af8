//! Measures the deterministic analyzer against the labelled development set:
//! precision and recall per annotation value and macro-F1 per key.
//!
//! Run: `cargo run --release --example analysis_accuracy [-- path/to/dev.jsonl] [--misses]`

use std::collections::BTreeMap;

use halfpipe::analysis::analyze_turns;
use halfpipe::model::DomainPack;
use halfpipe::model::transcript::{Role, StoredTurn};
use serde_json::Value;
use serde_json::value::RawValue;

/// Keys with a target, and the macro-F1 each should reach.
const TARGETS: &[(&str, f64)] = &[
    ("frustration", 0.85),
    ("escalation", 0.85),
    ("refusal", 0.85),
    ("tool_errors", 0.85),
    ("pii", 0.85),
    ("user_corrects_ai", 0.85),
    ("outcome", 0.75),
];

fn turns_of(conversation: &Value) -> Vec<StoredTurn> {
    let turns = conversation["turns"].as_array().expect("turns");
    turns
        .iter()
        .enumerate()
        .map(|(i, t)| StoredTurn {
            index: i as i64,
            role: Role::parse(t["role"].as_str().expect("role")).expect("a known role"),
            content: t["content"].as_str().unwrap_or_default().to_string(),
            token_count: 0,
            tool_calls: t.get("toolCalls").map(raw),
            tool_results: t.get("toolResults").map(raw),
            metadata: None,
            created_at: None,
        })
        .collect()
}

fn raw(value: &Value) -> Box<RawValue> {
    RawValue::from_string(value.to_string()).expect("JSON")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "tests/data/analysis/dev.jsonl".to_string());
    let text = std::fs::read_to_string(&path).expect("the development set");
    // key → (expected, predicted) pairs
    let mut pairs: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let conversation: Value = serde_json::from_str(line).expect("a JSON line");
        let pack = DomainPack::parse(conversation["domainPack"].as_str().unwrap_or("general"))
            .expect("a known pack");
        let analysis = analyze_turns(&turns_of(&conversation), pack);
        count += 1;
        let expected = conversation["expected"]
            .as_object()
            .expect("expected labels");
        for (key, want) in expected {
            let want = want.as_str().expect("string labels").to_string();
            let got = analysis.annotations.get(key).cloned().unwrap_or_default();
            if show_misses && got != want {
                let name = conversation["name"].as_str().unwrap_or("?");
                println!("miss {name} {key}: expected {want}, got {got}");
            }
            pairs.entry(key.clone()).or_default().push((want, got));
        }
    }
    println!("{count} conversations from {path}\n");
    println!(
        "{:<22} {:<22} {:>7} {:>9} {:>7}",
        "key", "value", "support", "precision", "recall"
    );
    let mut summary = Vec::new();
    for (key, pairs) in &pairs {
        let mut values: Vec<&String> = pairs.iter().flat_map(|(w, g)| [w, g]).collect();
        values.sort();
        values.dedup();
        let mut f1s = Vec::new();
        for value in values {
            let tp = pairs
                .iter()
                .filter(|(w, g)| w == value && g == value)
                .count() as f64;
            let predicted = pairs.iter().filter(|(_, g)| g == value).count() as f64;
            let support = pairs.iter().filter(|(w, _)| w == value).count();
            let precision = if predicted > 0.0 { tp / predicted } else { 0.0 };
            let recall = if support > 0 {
                tp / support as f64
            } else {
                0.0
            };
            println!("{key:<22} {value:<22} {support:>7} {precision:>9.2} {recall:>7.2}");
            // Macro-F1 averages over the values that occur in the labels.
            if support > 0 {
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                f1s.push(f1);
            }
        }
        let accuracy = pairs.iter().filter(|(w, g)| w == g).count() as f64 / pairs.len() as f64;
        let macro_f1 = f1s.iter().sum::<f64>() / f1s.len().max(1) as f64;
        summary.push((key.clone(), macro_f1, accuracy, pairs.len()));
    }
    println!(
        "\n{:<22} {:>8} {:>8} {:>5} {:>7}  target",
        "key", "macro-F1", "accuracy", "n", ""
    );
    for (key, f1, accuracy, n) in summary {
        let target = TARGETS.iter().find(|(k, _)| *k == key);
        let verdict = match target {
            Some((_, t)) if f1 >= *t => format!("≥ {t:.2} met"),
            Some((_, t)) => format!("≥ {t:.2} NOT met"),
            None => String::new(),
        };
        println!("{key:<22} {f1:>8.3} {accuracy:>8.3} {n:>5}  {verdict}");
    }
}
