//! Data the tests upload.

use serde_json::{Value, json};

/// The example transcript of the README.
pub fn example_transcript() -> Value {
    json!({
        "name": "Refund request",
        "modelName": "gpt-4o",
        "externalId": "conv-1001",
        "language": "en",
        "sourceSystem": "zendesk",
        "sourceTimestamp": "2026-03-15T10:30:00Z",
        "metadata": {"channel": "chat"},
        "turns": [
            {"role": "user", "content": "Hi, I was charged twice for my order. Can I get a refund?"},
            {"role": "assistant", "content": "I'm sorry about that! Let me look up your order.",
             "toolCalls": [{"name": "lookup_order", "args": {"order_id": "A-1001"}}]},
            {"role": "tool", "content": "", "toolResults": [{"name": "lookup_order", "result": {"charges": 2}}]},
            {"role": "assistant", "content": "I found the duplicate charge and refunded it. You'll see it in 3-5 days."}
        ]
    })
}
