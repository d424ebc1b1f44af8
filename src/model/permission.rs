//! Permissions: a closed enum with one string table, and the one check.

use std::fmt;

use serde::{Serialize, Serializer};

/// A permission an API key can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ProjectsRead,
    ProjectsWrite,
    /// Carried by legacy keys; grants exactly create-project and upload-transcript.
    LegacyTranscriptsWrite,
}

const TABLE: [(Permission, &str); 3] = [
    (Permission::ProjectsRead, "projects-read"),
    (Permission::ProjectsWrite, "projects-write"),
    (
        Permission::LegacyTranscriptsWrite,
        "halfpipe-transcripts-write",
    ),
];

impl Permission {
    pub fn as_str(self) -> &'static str {
        TABLE.iter().find(|(p, _)| *p == self).expect("in table").1
    }

    pub fn parse(s: &str) -> Option<Self> {
        TABLE.iter().find(|(_, name)| *name == s).map(|(p, _)| *p)
    }

    /// Every permission name, for messages.
    pub fn names() -> String {
        TABLE.map(|(_, n)| n).join(", ")
    }

    fn bit(self) -> u8 {
        match self {
            Permission::ProjectsRead => 1,
            Permission::ProjectsWrite => 2,
            Permission::LegacyTranscriptsWrite => 4,
        }
    }
}

/// What an endpoint needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// List/read projects, transcripts, insights.
    Read,
    /// Create projects, upload transcripts.
    Write,
}

impl Access {
    /// The permission a client should ask for.
    pub fn permission(self) -> Permission {
        match self {
            Access::Read => Permission::ProjectsRead,
            Access::Write => Permission::ProjectsWrite,
        }
    }
}

/// A set holding only permissions this version does not know: it allows nothing.
const UNKNOWN_ONLY: u8 = 0x80;

/// The permissions of one key. Empty means no restriction: full access.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u8);

impl PermissionSet {
    pub const FULL_ACCESS: PermissionSet = PermissionSet(0);

    pub fn of(perms: impl IntoIterator<Item = Permission>) -> Self {
        Self(perms.into_iter().fold(0, |acc, p| acc | p.bit()))
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn is_unrestricted(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        TABLE
            .into_iter()
            .map(|(p, _)| p)
            .filter(move |p| self.contains(*p))
    }

    /// Whether a key with these permissions may do `access`. Write does not imply read.
    pub fn allows(self, access: Access) -> bool {
        self.is_unrestricted()
            || match access {
                Access::Read => self.contains(Permission::ProjectsRead),
                Access::Write => {
                    self.contains(Permission::ProjectsWrite)
                        || self.contains(Permission::LegacyTranscriptsWrite)
                }
            }
    }

    /// Stored form: names joined by commas (empty for full access).
    pub fn to_db(self) -> String {
        self.iter()
            .map(Permission::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the stored form. Names this version does not know grant nothing — and a key whose
    /// every name is unknown gets no access rather than the full access of an empty set.
    pub fn from_db(s: &str) -> Self {
        let set = Self::of(s.split(',').filter_map(Permission::parse));
        if set.is_unrestricted() && !s.trim().is_empty() {
            Self(UNKNOWN_ONLY)
        } else {
            set
        }
    }

    /// Parses names given by a user; the error names the first unknown one.
    pub fn parse_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut set = Self::default();
        for name in names {
            let p = Permission::parse(name.trim()).ok_or_else(|| name.to_string())?;
            set = Self(set.0 | p.bit());
        }
        Ok(set)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PermissionSet {
    /// A list of names; `[]` is full access.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(Permission::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::Permission::*;
    use super::*;

    #[test]
    fn the_permission_matrix() {
        let cases = [
            (vec![], Access::Read, true),
            (vec![], Access::Write, true),
            (vec![ProjectsRead], Access::Read, true),
            (vec![ProjectsRead], Access::Write, false),
            (vec![ProjectsWrite], Access::Read, false),
            (vec![ProjectsWrite], Access::Write, true),
            (vec![LegacyTranscriptsWrite], Access::Read, false),
            (vec![LegacyTranscriptsWrite], Access::Write, true),
            (vec![ProjectsRead, ProjectsWrite], Access::Read, true),
            (vec![ProjectsRead, ProjectsWrite], Access::Write, true),
        ];
        for (perms, access, expected) in cases {
            let set = PermissionSet::of(perms.clone());
            assert_eq!(set.allows(access), expected, "{perms:?} {access:?}");
        }
    }

    #[test]
    fn names_round_trip() {
        let set = PermissionSet::of([ProjectsRead, LegacyTranscriptsWrite]);
        assert_eq!(set.to_db(), "projects-read,halfpipe-transcripts-write");
        assert_eq!(PermissionSet::from_db(&set.to_db()), set);
        assert_eq!(PermissionSet::from_db(""), PermissionSet::FULL_ACCESS);
    }

    #[test]
    fn a_stored_set_of_unknown_names_allows_nothing() {
        let set = PermissionSet::from_db("projects-admin-of-the-future");
        assert!(!set.allows(Access::Read));
        assert!(!set.allows(Access::Write));
        assert_eq!(set.to_db(), "");
    }

    #[test]
    fn unknown_names_are_reported() {
        assert_eq!(
            PermissionSet::parse_names(["projects-read", "admin"]),
            Err("admin".to_string())
        );
    }
}
