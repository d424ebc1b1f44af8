//! Key management shared by the CLI, the bootstrap and the management API: validate a
//! request, create or import the key, and hand back the plaintext exactly once.

use serde::Serialize;

use super::ServiceError;
use crate::auth::{LEGACY_PREFIX, PlaintextKey, generate, parse_legacy};
use crate::model::transcript::required_name;
use crate::model::{
    ApiKeyRecord, KeyHash, NewApiKey, PermissionSet, Timestamp, ValidationError, WorkspaceId,
};
use crate::store::{Actor, Store};

/// What a caller asks for when creating a key.
#[derive(Debug, Clone, Default)]
pub struct KeyRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Vec<String>,
    pub expires_at: Option<String>,
}

/// A validated key request.
#[derive(Debug, Clone)]
pub struct ValidKeyRequest {
    pub name: String,
    pub description: Option<String>,
    pub permissions: PermissionSet,
    pub expires_at: Option<Timestamp>,
}

impl KeyRequest {
    /// Name 3–100 characters, description ≤ 1000, known permissions, a future expiry.
    pub fn validate(self) -> Result<ValidKeyRequest, ValidationError> {
        let name = required_name(self.name, "name", 100)?;
        if name.chars().count() < 3 {
            return Err(ValidationError::new(
                "name",
                "name must be 3 to 100 characters",
            ));
        }
        if let Some(description) = &self.description {
            ValidationError::reject_nul(description, "description")?;
        }
        let description = self
            .description
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty());
        if description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 1000)
        {
            return Err(ValidationError::new(
                "description",
                "description must be at most 1000 characters",
            ));
        }
        let permissions = PermissionSet::parse_names(self.permissions.iter().map(String::as_str))
            .map_err(|unknown| {
            ValidationError::new(
                "permissions",
                format!(
                    "unknown permission {unknown:?}: expected {}",
                    crate::model::Permission::names()
                ),
            )
        })?;
        let expires_at = match self.expires_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => {
                let at = Timestamp::parse_rfc3339(raw).ok_or_else(|| {
                    ValidationError::new(
                        "expiresAt",
                        format!(
                            "expiresAt must be an RFC 3339 timestamp {}, got {raw:?}",
                            Timestamp::RANGE
                        ),
                    )
                })?;
                if at <= Timestamp::now() {
                    return Err(ValidationError::new(
                        "expiresAt",
                        "expiresAt must be in the future",
                    ));
                }
                Some(at)
            }
        };
        Ok(ValidKeyRequest {
            name,
            description,
            permissions,
            expires_at,
        })
    }
}

/// A key just created: the record, and the plaintext to show once.
#[derive(Debug, Serialize)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub record: ApiKeyRecord,
    /// The plaintext, present only in the response to its creation: it stays a
    /// [`PlaintextKey`] until it is serialized into that response.
    pub key: PlaintextKey,
}

/// Creates a new `sk-bigspin-api03-` key.
pub async fn create_key(
    store: &dyn Store,
    workspace_id: WorkspaceId,
    request: ValidKeyRequest,
    created_by: &str,
    actor: &Actor,
) -> Result<CreatedKey, ServiceError> {
    let plaintext = generate();
    let record = store
        .create_key(
            new_key(
                workspace_id,
                request,
                plaintext.hash(),
                plaintext.hint(),
                false,
                created_by,
            ),
            actor,
        )
        .await?;
    Ok(CreatedKey {
        record,
        key: plaintext,
    })
}

/// How a legacy key is presented for import: its plaintext, or only its SHA-256.
#[derive(Debug)]
pub enum LegacySecret {
    Plaintext(PlaintextKey),
    Sha256(KeyHash),
}

impl LegacySecret {
    pub fn from_plaintext(key: &str) -> Result<Self, ValidationError> {
        parse_legacy(key.trim())
            .map(Self::Plaintext)
            .ok_or_else(|| {
                ValidationError::new(
                    "key",
                    "key must be a legacy key: sk-prism-api03- followed by 20–200 characters of \
                 A-Z a-z 0-9 _ -",
                )
            })
    }

    pub fn from_sha256(hex: &str) -> Result<Self, ValidationError> {
        KeyHash::from_hex(hex)
            .map(Self::Sha256)
            .ok_or_else(|| ValidationError::new("sha256", "sha256 must be 64 hexadecimal digits"))
    }
}

/// Registers an existing `sk-prism-api03-` key.
pub async fn import_legacy_key(
    store: &dyn Store,
    workspace_id: WorkspaceId,
    request: ValidKeyRequest,
    secret: LegacySecret,
    created_by: &str,
    actor: &Actor,
) -> Result<ApiKeyRecord, ServiceError> {
    let (hash, hint) = match &secret {
        LegacySecret::Plaintext(key) => (key.hash(), key.hint()),
        LegacySecret::Sha256(hash) => (*hash, format!("{}…{}", LEGACY_PREFIX, &hash.to_hex()[..8])),
    };
    Ok(store
        .create_key(
            new_key(workspace_id, request, hash, hint, true, created_by),
            actor,
        )
        .await?)
}

fn new_key(
    workspace_id: WorkspaceId,
    request: ValidKeyRequest,
    hash: KeyHash,
    hint: String,
    legacy: bool,
    created_by: &str,
) -> NewApiKey {
    NewApiKey {
        workspace_id,
        name: request.name,
        description: request.description,
        permissions: request.permissions,
        hash: hash.0,
        hint,
        legacy,
        created_by: created_by.to_string(),
        expires_at: request.expires_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(request: KeyRequest) -> String {
        match request.validate() {
            Err(ValidationError { param, .. }) => param.unwrap_or_default(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn key_requests_are_validated_field_by_field() {
        let named = |name: &str| KeyRequest {
            name: Some(name.into()),
            ..Default::default()
        };
        assert_eq!(param(named("ab")), "name");
        assert_eq!(param(named(&"x".repeat(101))), "name");
        assert!(named("abc").validate().is_ok());
        assert_eq!(
            param(KeyRequest {
                description: Some("d".repeat(1001)),
                ..named("abc")
            }),
            "description"
        );
        assert_eq!(
            param(KeyRequest {
                permissions: vec!["admin".into()],
                ..named("abc")
            }),
            "permissions"
        );
        assert_eq!(
            param(KeyRequest {
                expires_at: Some("2000-01-01T00:00:00Z".into()),
                ..named("abc")
            }),
            "expiresAt"
        );
    }
}
