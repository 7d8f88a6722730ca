//! The hash chain: [`AuditRecord`], its canonical encoding and [`Chain`].
//!
//! Nothing here touches storage: a file log, SQLite or PostgreSQL store
//! seals events with a [`Chain`] and persists the resulting records.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::event::AuditEvent;

/// `prev` of the first record: 64 zeros.
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Domain tag that starts every canonical encoding (format version 1).
pub const CANONICAL_TAG: &[u8] = b"caracal-audit/v1\n";

/// An [`AuditEvent`] sealed into a chain.
///
/// JSON form (one line of the file log):
/// `{"seq":1,"prev":"00…00","hash":"…","event":{"kind":"spawn",…}}`.
/// Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: u64,
    /// `hash` of the previous record; [`GENESIS_PREV`] for the first.
    pub prev: String,
    /// Lowercase hex SHA-256 of [`canonical_bytes`]`(seq, prev, event)`.
    pub hash: String,
    /// What was recorded.
    pub event: AuditEvent,
}

impl AuditRecord {
    /// The hash this record's content calls for.
    pub fn compute_hash(&self) -> String {
        record_hash(self.seq, &self.prev, &self.event)
    }

    /// Whether the stored `hash` matches the content. Says nothing about
    /// the record's place in a chain; see [`verify`](crate::verify).
    pub fn hash_matches(&self) -> bool {
        self.compute_hash() == self.hash
    }
}

/// Lowercase hex SHA-256 of [`canonical_bytes`].
pub fn record_hash(seq: u64, prev: &str, event: &AuditEvent) -> String {
    hex(&Sha256::digest(canonical_bytes(seq, prev, event)))
}

/// The canonical encoding that a record hash is taken over.
///
/// It is a length-prefixed byte string, independent of serde and of the
/// JSON layout (whitespace, key order, escapes, `null` vs absent), so a
/// store in any language can recompute it. With
///
/// * `u64(n)`: `n` as 8 bytes, big-endian;
/// * `str(s)`: `u64(byte length of s)` followed by the UTF-8 bytes of `s`;
/// * `opt(o)`: one byte `0x00` for `None`, or `0x01` followed by `str(s)`;
///
/// the encoding is the concatenation of
///
/// 1. the tag [`CANONICAL_TAG`] (`caracal-audit/v1` and a newline, 17 bytes);
/// 2. `u64(seq)`, `str(prev)`;
/// 3. `str(kind)` (the `snake_case` name, e.g. `lease_lost`), `u64(time_ms)`;
/// 4. `opt(trace_id)`, `opt(session_id)`, `opt(application_id)`;
/// 5. `u64(number of labels)`, then `str(label)` for each, in order;
/// 6. `opt(decision)` (`allow` / `deny`), `opt(reason)`;
/// 7. `opt(resource_id)`, `opt(delegation_id)`, `opt(target)`,
///    `opt(method)`, `opt(url)`;
/// 8. `u64(number of detail entries)`, then `str(key)`, `str(value)` for
///    each entry in ascending byte order of the key.
///
/// Adding a field to [`AuditEvent`] changes the format: it needs a new tag
/// and the old encoder kept for old records.
pub fn canonical_bytes(seq: u64, prev: &str, event: &AuditEvent) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(CANONICAL_TAG);
    put_u64(&mut out, seq);
    put_str(&mut out, prev);
    put_str(&mut out, event.kind.as_str());
    put_u64(&mut out, event.time_ms);
    put_opt(&mut out, event.trace_id.as_deref());
    put_opt(&mut out, event.session_id.as_deref());
    put_opt(&mut out, event.application_id.as_deref());
    put_len(&mut out, event.labels.len());
    for label in &event.labels {
        put_str(&mut out, label);
    }
    put_opt(&mut out, event.decision.map(|d| d.as_str()));
    put_opt(&mut out, event.reason.as_deref());
    put_opt(&mut out, event.resource_id.as_deref());
    put_opt(&mut out, event.delegation_id.as_deref());
    put_opt(&mut out, event.target.as_deref());
    put_opt(&mut out, event.method.as_deref());
    put_opt(&mut out, event.url.as_deref());
    put_len(&mut out, event.detail.len());
    // BTreeMap<String, _> iterates in ascending byte order of the keys.
    for (key, value) in &event.detail {
        put_str(&mut out, key);
        put_str(&mut out, value);
    }
    out
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_be_bytes());
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    // usize is at most 64 bits on every supported target.
    put_u64(out, n as u64);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, o: Option<&str>) {
    match o {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// The in-memory head of a chain: assigns `seq`, `prev` and `hash`.
///
/// Pure: a store keeps one per log (behind its own lock), resumed from the
/// last stored record, and persists what [`seal`](Self::seal) returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    next_seq: u64,
    prev: String,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    /// An empty chain: the first record gets seq 1 and [`GENESIS_PREV`].
    pub fn new() -> Self {
        Chain {
            next_seq: 1,
            prev: GENESIS_PREV.to_owned(),
        }
    }

    /// Continues after the last stored record's `(seq, hash)`; `None`
    /// starts a new chain. The hash is taken as given.
    pub fn resume(last: Option<(u64, String)>) -> Self {
        match last {
            None => Self::new(),
            Some((seq, hash)) => Chain {
                next_seq: seq + 1,
                prev: hash,
            },
        }
    }

    /// Continues after `record`.
    pub fn after(record: &AuditRecord) -> Self {
        Self::resume(Some((record.seq, record.hash.clone())))
    }

    /// The seq the next sealed record will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The `prev` the next sealed record will get: the last record's hash,
    /// or [`GENESIS_PREV`].
    pub fn head(&self) -> &str {
        &self.prev
    }

    /// Seals `event` as the next record and advances the chain.
    pub fn seal(&mut self, event: AuditEvent) -> AuditRecord {
        let seq = self.next_seq;
        let prev = std::mem::take(&mut self.prev);
        let hash = record_hash(seq, &prev, &event);
        self.next_seq = seq + 1;
        self.prev.clone_from(&hash);
        AuditRecord {
            seq,
            prev,
            hash,
            event,
        }
    }
}
