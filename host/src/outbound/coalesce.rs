//! [`DenialCoalescer`]: a flood of identical denials costs the audit log
//! one record and a count, not a record each. The first denial of a kind is
//! always recorded at once; identical ones (same agent, method, URL and
//! reason) within [`WINDOW_MS`] of it are counted, and the count is
//! recorded as one summary when the next such denial comes after the
//! window, when too many kinds are open, or when the host shuts down.

use caracal_audit::AuditEvent;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// How long after a first denial identical ones are counted, not recorded.
pub(crate) const WINDOW_MS: u64 = 1000;
/// Kinds of denial counted at once; past it every count is recorded.
const OPEN_LIMIT: usize = 1024;

/// Agent root, method, URL, reason.
type Key = (String, String, String, String);

#[derive(Debug)]
struct Open {
    first_ms: u64,
    repeated: u64,
    first: AuditEvent,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct DenialCoalescer {
    open: Mutex<HashMap<Key, Open>>,
}

impl DenialCoalescer {
    /// The records to append for a denial `key` at `now_ms`, whose record
    /// would be `event`: the event itself when it is the first of its kind
    /// in the window (after the summary of the previous window, if it
    /// counted any), else nothing.
    pub(crate) fn on_denial(&self, key: Key, now_ms: u64, event: AuditEvent) -> Vec<AuditEvent> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = open.get_mut(&key)
            && now_ms.saturating_sub(entry.first_ms) < WINDOW_MS
        {
            entry.repeated += 1;
            return Vec::new();
        }
        let mut out = Vec::new();
        if open.len() >= OPEN_LIMIT && !open.contains_key(&key) {
            out.extend(open.drain().filter_map(|(_, entry)| summary(entry, now_ms)));
        }
        if let Some(previous) = open.remove(&key) {
            out.extend(summary(previous, now_ms));
        }
        open.insert(
            key,
            Open {
                first_ms: now_ms,
                repeated: 0,
                first: event.clone(),
            },
        );
        out.push(event);
        out
    }

    /// The summaries, at `now_ms`, of every count still open (at shutdown).
    pub(crate) fn flush(&self, now_ms: u64) -> Vec<AuditEvent> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.drain()
            .filter_map(|(_, entry)| summary(entry, now_ms))
            .collect()
    }
}

/// The first denial's record again, now, with how many identical ones
/// followed it; `None` when none did.
fn summary(entry: Open, now_ms: u64) -> Option<AuditEvent> {
    (entry.repeated > 0).then(|| {
        let mut event = entry.first;
        event.time_ms = now_ms;
        event
            .detail("repeated", entry.repeated.to_string())
            .detail("first_denied_at_ms", entry.first_ms.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use caracal_audit::EventKind;

    fn key(url: &str) -> Key {
        (
            "root".into(),
            "GET".into(),
            url.into(),
            "not allowed".into(),
        )
    }

    fn denied(url: &str) -> AuditEvent {
        AuditEvent::now(EventKind::Outbound).request("GET", url)
    }

    #[test]
    fn the_first_is_recorded_at_once_and_the_rest_as_one_count() {
        let c = DenialCoalescer::default();
        assert_eq!(c.on_denial(key("a"), 0, denied("a")).len(), 1);
        for t in 1..500 {
            assert!(c.on_denial(key("a"), t, denied("a")).is_empty());
        }
        // Another kind is recorded at once, whatever the flood.
        assert_eq!(c.on_denial(key("b"), 10, denied("b")).len(), 1);
        // After the window: the count, then the new first.
        let out = c.on_denial(key("a"), WINDOW_MS + 5, denied("a"));
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].detail["repeated"], "499");
        assert!(!out[1].detail.contains_key("repeated"));
        assert!(c.on_denial(key("a"), WINDOW_MS + 6, denied("a")).is_empty());
        let flushed = c.flush(5000);
        assert_eq!(flushed.len(), 1);
        assert_eq!(flushed[0].detail["repeated"], "1");
        assert!(c.flush(5000).is_empty());
    }

    #[test]
    fn too_many_kinds_at_once_record_their_counts() {
        let c = DenialCoalescer::default();
        for n in 0..OPEN_LIMIT {
            let url = n.to_string();
            c.on_denial(key(&url), 0, denied(&url));
            c.on_denial(key(&url), 1, denied(&url));
        }
        let out = c.on_denial(key("new"), 2, denied("new"));
        assert_eq!(out.len(), OPEN_LIMIT + 1);
        assert!(
            out[..OPEN_LIMIT]
                .iter()
                .all(|e| e.detail["repeated"] == "1")
        );
    }
}
