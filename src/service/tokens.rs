//! Token counts with the real `o200k_base` byte-pair encoding (linear-time, from `bpe-openai`).
//!
//! The tokenizer's tables (about 30 MB) are built on the first upload rather than at start, so
//! an idle server stays small.

use std::sync::atomic::{AtomicBool, Ordering};

static READY: AtomicBool = AtomicBool::new(false);

/// Number of `o200k_base` tokens in `text`, as tiktoken counts them. The first call builds the
/// tokenizer (a few hundred milliseconds): see [`is_ready`].
pub fn count(text: &str) -> i64 {
    if text.is_empty() {
        return 0;
    }
    let tokens = bpe_openai::o200k_base().count(text) as i64;
    READY.store(true, Ordering::Relaxed);
    tokens
}

/// Whether the tokenizer is built, so that counting is quick enough for an async worker.
pub fn is_ready() -> bool {
    READY.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_tiktoken_o200k_base() {
        // Reference counts from tiktoken's o200k_base.
        assert_eq!(count(""), 0);
        assert_eq!(count("hello world"), 2);
        assert_eq!(count("Hello, world!"), 4);
        assert!(is_ready());
    }
}
