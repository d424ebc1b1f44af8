//! Newtype ids, so a project id can never be passed where a workspace id belongs.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
        #[schema(value_type = String, format = "uuid", example = "0195a2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d")]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::try_parse(s).map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}

uuid_id!(
    /// A workspace (organization).
    WorkspaceId
);
uuid_id!(
    /// An API key's public id (never its secret).
    KeyId
);
uuid_id!(
    /// A transcript.
    TranscriptId
);
uuid_id!(
    /// A person with a dashboard account.
    MemberId
);

/// A project id: `hp-` followed by a hyphenated UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(
    value_type = String,
    pattern = "^hp-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    example = "hp-0195a2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d"
)]
pub struct ProjectId(pub Uuid);

impl ProjectId {
    pub const PREFIX: &'static str = "hp-";

    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Parses `hp-{uuid}`; anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix(Self::PREFIX)?;
        // Only the canonical hyphenated form, so the id a client sent is the id it gets back.
        if rest.len() != 36 {
            return None;
        }
        Uuid::try_parse(rest).ok().map(Self)
    }
}

impl Default for ProjectId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, self.0.hyphenated())
    }
}

impl Serialize for ProjectId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_id_round_trips_through_its_text_form() {
        let id = ProjectId::new();
        assert_eq!(ProjectId::parse(&id.to_string()), Some(id));
    }

    #[test]
    fn project_id_rejects_other_shapes() {
        for bad in [
            "",
            "hp-",
            "hp-123",
            "0190a5e8-7c1b-7000-8000-000000000000",
            "xp-0190a5e8-7c1b-7000-8000-000000000000",
            "hp-0190a5e87c1b70008000000000000000",
            "hp-0190a5e8-7c1b-7000-8000-00000000000g",
        ] {
            assert_eq!(ProjectId::parse(bad), None, "{bad:?} should be rejected");
        }
    }
}
