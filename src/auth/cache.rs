//! The verified-key cache and the last-used tracker: what makes authentication cost no database
//! access on a repeated request.
//!
//! Cache entries are dropped when the store reports a change to their key (see
//! `app::watch_key_changes`); a generation counter keeps a lookup that raced with such
//! a change from re-inserting what it read before the change.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::sync::Cache;

use super::KeyHash;
use crate::model::PermissionSet;
use crate::model::{KeyId, KeyStatus, Timestamp, WorkspaceId};
use crate::store::KeyAuthRecord;

/// What the cache keeps of a key.
#[derive(Debug)]
pub struct CachedKey {
    pub id: KeyId,
    pub workspace_id: WorkspaceId,
    pub permissions: PermissionSet,
    pub status: KeyStatus,
    pub expires_at: Option<Timestamp>,
    pub hint: Arc<str>,
}

impl From<KeyAuthRecord> for CachedKey {
    fn from(r: KeyAuthRecord) -> Self {
        Self {
            id: r.id,
            workspace_id: r.workspace_id,
            permissions: r.permissions,
            status: r.status,
            expires_at: r.expires_at,
            hint: r.hint.into(),
        }
    }
}

/// Hash → key (or "no such key"), bounded in size.
pub struct KeyCache {
    entries: Cache<KeyHash, Option<Arc<CachedKey>>>,
    generation: AtomicU64,
}

impl Default for KeyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyCache {
    pub fn new() -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(100_000)
                // Changes arrive by notice within a second; this only bounds the damage if a
                // notice were ever lost.
                .time_to_live(Duration::from_secs(60))
                .build(),
            generation: AtomicU64::new(0),
        }
    }

    /// `Some(None)` is a cached "no such key".
    pub fn get(&self, hash: &KeyHash) -> Option<Option<Arc<CachedKey>>> {
        self.entries.get(hash)
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Caches what a lookup found, unless a change arrived since it began at `generation`.
    pub fn insert(&self, hash: KeyHash, found: Option<Arc<CachedKey>>, generation: u64) {
        if self.generation() != generation {
            return;
        }
        self.entries.insert(hash, found);
        // A change counted between the check above and the insert would otherwise leave what
        // the lookup read before it; a change counted after this check invalidates the entry
        // itself, since invalidation follows the count.
        if self.generation() != generation {
            self.entries.invalidate(&hash);
        }
    }

    /// Forgets keys that changed.
    pub fn invalidate(&self, hashes: impl IntoIterator<Item = KeyHash>) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        for hash in hashes {
            self.entries.invalidate(&hash);
        }
    }

    /// Forgets everything (after a gap in change notices).
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.invalidate_all();
    }
}

/// Last-used times waiting to be flushed, newest per key.
#[derive(Default)]
pub struct LastUsed {
    pending: Mutex<HashMap<KeyId, Timestamp>>,
}

impl LastUsed {
    pub fn record(&self, key: KeyId, at: Timestamp) {
        let mut pending = self.pending.lock().expect("last-used lock");
        let entry = pending.entry(key).or_insert(at);
        if *entry < at {
            *entry = at;
        }
    }

    /// Takes everything recorded so far.
    pub fn drain(&self) -> Vec<(KeyId, Timestamp)> {
        let mut pending = self.pending.lock().expect("last-used lock");
        pending.drain().collect()
    }

    /// Puts back a batch whose flush failed, keeping newer times recorded meanwhile.
    pub fn restore(&self, batch: Vec<(KeyId, Timestamp)>) {
        for (key, at) in batch {
            self.record(key, at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_used_keeps_the_newest_time() {
        let tracker = LastUsed::default();
        let key = KeyId::new();
        let early = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let late = Timestamp::parse_rfc3339("2026-01-02T00:00:00Z").unwrap();
        tracker.record(key, late);
        tracker.record(key, early);
        assert_eq!(tracker.drain(), vec![(key, late)]);
        assert!(tracker.drain().is_empty());
    }

    #[test]
    fn a_lookup_that_raced_a_change_is_not_cached() {
        let cache = KeyCache::new();
        let hash = KeyHash::of("k");
        let before = cache.generation();
        cache.invalidate([hash]);
        cache.insert(hash, None, before);
        assert!(cache.get(&hash).is_none());
        cache.insert(hash, None, cache.generation());
        assert!(cache.get(&hash).is_some());
    }
}
