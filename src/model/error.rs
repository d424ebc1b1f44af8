//! The one error of the domain layer: a value that breaks its rules, naming the field.

/// A value a client sent that does not satisfy its rules. `param` is the field as the client
/// spelled it (`turns[3].role`, `limit`); `None` when the request as a whole is at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    pub param: Option<String>,
    pub message: String,
}

impl ValidationError {
    /// A rule broken by the field `param`.
    pub fn new(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            param: Some(param.into()),
            message: message.into(),
        }
    }

    /// `value` of the text field `param` unless it holds U+0000. PostgreSQL's `text` cannot
    /// store that character at all, so no text field accepts it, on either backend, rather
    /// than altering what the client sent (see docs/api.md).
    pub fn reject_nul(value: &str, param: &str) -> Result<(), Self> {
        if value.contains('\0') {
            return Err(Self::new(
                param,
                format!("{param} must not contain NUL characters (\\u0000)"),
            ));
        }
        Ok(())
    }

    /// A rule broken by the input as a whole.
    pub fn whole(message: impl Into<String>) -> Self {
        Self {
            param: None,
            message: message.into(),
        }
    }
}
