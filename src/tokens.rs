//! Token counts with the real `o200k_base` byte-pair encoding (linear-time, from `bpe-openai`).

/// Number of `o200k_base` tokens in `text`, as tiktoken counts them.
pub fn count(text: &str) -> i64 {
    if text.is_empty() {
        return 0;
    }
    bpe_openai::o200k_base().count(text) as i64
}

/// Builds the tokenizer's tables now rather than on the first upload.
pub fn warm_up() {
    count("warm up");
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
    }
}
