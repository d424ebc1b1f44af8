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

    /// A rule broken by the input as a whole.
    pub fn whole(message: impl Into<String>) -> Self {
        Self {
            param: None,
            message: message.into(),
        }
    }
}
