//! How the model's ids and timestamps are stored in PostgreSQL: ids as `uuid` (a project id's
//! `hp-` prefix is the application's, not stored), timestamps as `timestamptz`, read back in
//! UTC and truncated to the milliseconds the application keeps.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{KeyId, MemberId, ProjectId, Timestamp, TranscriptId, WorkspaceId};
use crate::store::shared::TextUuid;

/// Types stored as a column of type `$db`, with how they convert to and from it.
macro_rules! stored_as {
    ($t:ty, $db:ty, |$v:ident| $write:expr, |$d:ident| $read:expr) => {
        impl Type<Postgres> for $t {
            fn type_info() -> PgTypeInfo {
                <$db as Type<Postgres>>::type_info()
            }
            fn compatible(ty: &PgTypeInfo) -> bool {
                <$db as Type<Postgres>>::compatible(ty)
            }
        }

        impl Encode<'_, Postgres> for $t {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                let $v = self;
                let value: $db = $write;
                <$db as Encode<'_, Postgres>>::encode(value, buf)
            }
        }

        impl<'r> Decode<'r, Postgres> for $t {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                let $d = <$db as Decode<'r, Postgres>>::decode(value)?;
                $read
            }
        }
    };
}

stored_as!(WorkspaceId, Uuid, |v| v.0, |u| Ok(Self(u)));
stored_as!(KeyId, Uuid, |v| v.0, |u| Ok(Self(u)));
stored_as!(TranscriptId, Uuid, |v| v.0, |u| Ok(Self(u)));
stored_as!(MemberId, Uuid, |v| v.0, |u| Ok(Self(u)));
stored_as!(ProjectId, Uuid, |v| v.0, |u| Ok(Self(u)));
stored_as!(TextUuid, Uuid, |v| Uuid::try_parse(&v.0)?, |u| Ok(Self(
    u.hyphenated().to_string()
)));
stored_as!(
    Timestamp,
    OffsetDateTime,
    |v| OffsetDateTime::from_unix_timestamp_nanos(i128::from(v.unix_millis()) * 1_000_000)?,
    |d| Timestamp::from_datetime(d).ok_or_else(|| format!(
        "a timestamp outside {}: {d}",
        Timestamp::RANGE
    )
    .into())
);

/// JSON text bound as `json`, which PostgreSQL keeps exactly as given (key order, spacing,
/// duplicate-free as the application checked it, `\u0000` escapes), where `jsonb` would
/// normalize it. For client JSON; JSON the server writes itself may go to `jsonb`.
pub(crate) struct JsonText(pub String);

/// The OID of `json`.
const JSON_OID: Oid = Oid(114);

impl Type<Postgres> for JsonText {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(JSON_OID)
    }
}

impl Encode<'_, Postgres> for JsonText {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        // The binary form of `json` is its text.
        buf.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
}
