//! Throughput of the deterministic analyzer: ten-turn transcripts analyzed per second on one
//! core (criterion runs single-threaded).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use halfpipe::analysis::analyze_turns;
use halfpipe::model::DomainPack;
use halfpipe::model::transcript::{Role, StoredTurn};
use serde_json::value::RawValue;

fn turn(index: usize, role: Role, content: &str, results: Option<&str>) -> StoredTurn {
    StoredTurn {
        index: index as i64,
        role,
        content: content.to_string(),
        token_count: 0,
        tool_calls: None,
        tool_results: results.map(|r| RawValue::from_string(r.to_string()).expect("JSON")),
        metadata: None,
        created_at: None,
    }
}

/// A ten-turn support conversation with a tool result, PII and a correction.
fn ten_turns() -> Vec<StoredTurn> {
    let script: [(Role, &str, Option<&str>); 10] = [
        (
            Role::User,
            "Hi, my order 5521 has not arrived and the tracking page shows an error. \
            Can you check it? My email is jane.doe@example.org.",
            None,
        ),
        (
            Role::Assistant,
            "Sorry to hear that. Let me look up order 5521 for you.",
            None,
        ),
        (
            Role::Tool,
            "",
            Some(
                r#"[{"name":"lookup_order","result":{"status":"shipped","eta":"2026-05-02","errors":[]}}]"#,
            ),
        ),
        (
            Role::Assistant,
            "Your order shipped and should arrive on 2 May. Is there anything \
            else I can help you with today?",
            None,
        ),
        (
            Role::User,
            "No, that's wrong, it was supposed to arrive last week. I paid for express \
            delivery.",
            None,
        ),
        (
            Role::Assistant,
            "You're right, my apologies: the order was booked as express. I have \
            asked the carrier to prioritise it and refunded the express fee.",
            None,
        ),
        (
            Role::User,
            "Thanks. Will the refund go to the same card I used?",
            None,
        ),
        (
            Role::Assistant,
            "Yes, the refund goes back to the original payment method within \
            three to five working days.",
            None,
        ),
        (
            Role::User,
            "Great, that's exactly what I needed, thank you!",
            None,
        ),
        (Role::Assistant, "You're welcome! Have a lovely day.", None),
    ];
    script
        .iter()
        .enumerate()
        .map(|(i, (role, text, results))| turn(i, *role, text, *results))
        .collect()
}

fn bench(c: &mut Criterion) {
    let turns = ten_turns();
    let mut group = c.benchmark_group("analysis");
    group.throughput(Throughput::Elements(1));
    group.bench_function("analyze_ten_turns", |b| {
        b.iter(|| analyze_turns(std::hint::black_box(&turns), DomainPack::General))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
