//! How the model's ids and timestamps are stored in SQLite: ids as their text form (hyphenated
//! UUIDs, `hp-…` for projects), timestamps as RFC 3339 text in UTC with milliseconds, so that
//! they sort and compare as text.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Sqlite, Type};

use crate::model::{KeyId, MemberId, ProjectId, Timestamp, TranscriptId, WorkspaceId};
use crate::store::shared::TextUuid;

/// Types stored as text, with how they are written and read back.
macro_rules! as_text {
    ($t:ty, |$v:ident| $write:expr, |$s:ident| $read:expr) => {
        impl Type<Sqlite> for $t {
            fn type_info() -> SqliteTypeInfo {
                <str as Type<Sqlite>>::type_info()
            }
            fn compatible(ty: &SqliteTypeInfo) -> bool {
                <str as Type<Sqlite>>::compatible(ty)
            }
        }

        impl Encode<'_, Sqlite> for $t {
            fn encode_by_ref(
                &self,
                buf: &mut SqliteArgumentsBuffer,
            ) -> Result<IsNull, BoxDynError> {
                let $v = self;
                <String as Encode<'_, Sqlite>>::encode($write, buf)
            }
        }

        impl<'r> Decode<'r, Sqlite> for $t {
            fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
                let $s = <&str as Decode<'r, Sqlite>>::decode(value)?;
                $read.ok_or_else(|| format!("not a {}: {:?}", stringify!($t), $s).into())
            }
        }
    };
}

as_text!(WorkspaceId, |v| v.to_string(), |s| s.parse().ok());
as_text!(KeyId, |v| v.to_string(), |s| s.parse().ok());
as_text!(TranscriptId, |v| v.to_string(), |s| s.parse().ok());
as_text!(MemberId, |v| v.to_string(), |s| s.parse().ok());
as_text!(ProjectId, |v| v.to_string(), |s| ProjectId::parse(s));
as_text!(Timestamp, |v| v.to_rfc3339(), |s| Timestamp::parse_rfc3339(
    s
));
as_text!(TextUuid, |v| v.0.clone(), |s| Some(TextUuid(s.to_string())));
