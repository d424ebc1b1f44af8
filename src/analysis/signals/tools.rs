//! Tool results that report a failure. A result fails when a status field says so (an
//! `error` that is set, `ok`/`success` false, a non-zero exit code, an error status or HTTP
//! code) or when its text is a failing run: a stack trace, `N failed` with N > 0, a compiler
//! or package-manager error. The word "error" in passing ("the error page") and "0 errors,
//! 12 passed" are not failures.

use serde_json::Value;

use super::has_phrase;

/// Fields whose non-zero number means failure.
/// Compared with the field's name in lower case.
const EXIT_FIELDS: &[&str] = &["exit_code", "exitcode", "returncode", "return_code", "code"];
/// Words of a `status` field that mean failure.
const FAILED_STATUS: &[&str] = &["error", "failed", "failure", "fail", "errored", "crashed"];
/// Text that only a failing run prints.
const FAILURE_TEXT: &[&str] = &[
    "traceback (most recent call last)",
    "panicked at",
    "segmentation fault",
    "command not found",
    "no such file or directory",
    "npm err!",
    "fatal:",
    "error:",
    "error[",
    "exception:",
    "uncaught",
    "test result: failed",
    "build failed",
    "failed:",
    "permission denied",
    "modulenotfounderror",
    "syntaxerror",
    "cannot find module",
];

/// How many of a turn's tool results (the stored JSON array) report a failure; `content` is
/// the turn's text, read as the output when a `tool` turn carries no structured results.
pub fn count_failures(tool_results: Option<&str>, content: &str, is_tool_turn: bool) -> usize {
    if let Some(raw) = tool_results
        && let Ok(Value::Array(results)) = serde_json::from_str::<Value>(raw)
        && !results.is_empty()
    {
        return results
            .iter()
            .filter(|r| r.get("result").is_some_and(fails))
            .count();
    }
    usize::from(is_tool_turn && !content.trim().is_empty() && text_fails(content))
}

/// Whether one tool result reports a failure.
pub fn fails(result: &Value) -> bool {
    match result {
        Value::String(text) => text_fails(text),
        Value::Object(fields) => {
            let flagged = fields.iter().any(|(key, value)| field_fails(key, value));
            flagged
                || fields
                    .values()
                    .any(|v| matches!(v, Value::String(s) if text_fails(s)))
        }
        _ => false,
    }
}

fn field_fails(key: &str, value: &Value) -> bool {
    let key = key.to_ascii_lowercase();
    match key.as_str() {
        "error" | "errors" | "exception" | "stderr_error" => match value {
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.trim().is_empty(),
            Value::Array(items) => !items.is_empty(),
            Value::Object(fields) => !fields.is_empty(),
            Value::Number(n) => n.as_f64().is_some_and(|n| n > 0.0),
            Value::Bool(true) => true,
        },
        "ok" | "success" | "succeeded" | "passed" => value == &Value::Bool(false),
        "status" | "state" | "result" | "outcome" => match value {
            Value::String(s) => FAILED_STATUS.contains(&s.to_ascii_lowercase().as_str()),
            Value::Number(n) => n.as_i64().is_some_and(|n| (400..600).contains(&n)),
            _ => false,
        },
        "status_code" | "statuscode" | "http_status" => {
            value.as_i64().is_some_and(|n| (400..600).contains(&n))
        }
        // A `code` of 200–399 is an HTTP success, not an exit status.
        _ if EXIT_FIELDS.contains(&key.as_str()) => value
            .as_i64()
            .is_some_and(|n| n != 0 && !(200..400).contains(&n)),
        _ => false,
    }
}

/// Whether a tool's text output is a failing run.
pub fn text_fails(text: &str) -> bool {
    let lower = text.to_lowercase();
    if lower.lines().any(|line| {
        FAILURE_TEXT
            .iter()
            .any(|p| line.trim_start().starts_with(p))
    }) {
        return true;
    }
    if [
        "traceback (most recent call last)",
        "panicked at",
        "npm err!",
        "modulenotfounderror",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        return true;
    }
    // Test runners: "1 failed", "2 failed,", "FAILED tests/x.py", make's "Error 2".
    counted_failures(&lower) || text.contains("FAILED ") || has_phrase(&lower, "*** [")
}

/// Whether the text counts more than zero failures ("3 failed", "2 errors").
fn counted_failures(lower: &str) -> bool {
    let tokens: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        .filter(|t| !t.is_empty())
        .collect();
    tokens.windows(2).any(|pair| {
        let noun = pair[1].trim_end_matches(['.', ':']);
        let failing = matches!(noun, "failed" | "failing" | "failures" | "errors" | "error");
        failing && pair[0].parse::<u64>().is_ok_and(|n| n > 0)
    }) || tokens.windows(2).any(|pair| {
        pair[0] == "error"
            && pair[1]
                .trim_end_matches('.')
                .parse::<u64>()
                .is_ok_and(|n| n > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_runs_are_tool_errors() {
        let cases = [
            (
                r#"{"exit_code": 1, "stdout": "1 failed, 11 passed"}"#,
                true,
                "a failing test run",
            ),
            (r#""0 errors, 12 passed""#, false, "a clean run"),
            (r#"{"exitCode": 1}"#, true, "a camelCase exit code"),
            (
                r#"{"exit_code": 0, "stdout": "12 passed in 0.8s"}"#,
                false,
                "exit code zero",
            ),
            (
                r#"{"status": "error", "message": "upstream timeout"}"#,
                true,
                "an error status",
            ),
            (
                r#"{"error": "order not found", "status": 404}"#,
                true,
                "an error field",
            ),
            (
                r#"{"status": "shipped", "errors": []}"#,
                false,
                "an empty error list",
            ),
            (r#"{"temp_c": 4, "error": null}"#, false, "a null error"),
            (r#"{"ok": false, "reason": "declined"}"#, true, "ok false"),
            (r#""Error: SMTP connection refused""#, true, "an error line"),
            (
                r#"{"results": [{"title": "We redesigned the error page"}]}"#,
                false,
                "the word error in passing",
            ),
            (
                r#"{"stderr": "Traceback (most recent call last):\n  File \"a.py\""}"#,
                true,
                "a stack trace",
            ),
            (
                r#""Tests:       2 failed, 30 passed, 32 total""#,
                true,
                "jest output",
            ),
            (
                r#"{"stdout": "test result: ok. 48 passed; 0 failed"}"#,
                false,
                "cargo ok",
            ),
            (
                r#"{"stderr": "make: *** [Makefile:12: all] Error 2"}"#,
                true,
                "make",
            ),
            (
                r#""No problems found (0 errors, 0 warnings)""#,
                false,
                "a clean lint",
            ),
        ];
        for (json, expected, why) in cases {
            let value: Value = serde_json::from_str(json).expect("valid test JSON");
            assert_eq!(fails(&value), expected, "{why}: {json}");
        }
    }

    #[test]
    fn every_failing_result_of_a_turn_counts() {
        let raw = r#"[{"name": "a", "result": "Error: x"}, {"name": "b", "result": "ok"},
            {"name": "c", "result": {"exit_code": 2}}]"#;
        assert_eq!(
            count_failures(Some(raw), "", true),
            2,
            "two of three results fail"
        );
        assert_eq!(
            count_failures(None, "FAILED test_x", true),
            1,
            "a tool turn's text"
        );
        assert_eq!(
            count_failures(None, "FAILED test_x", false),
            0,
            "only tool turns' text"
        );
    }
}
