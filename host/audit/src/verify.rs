//! Chain verification: [`verify`] and the [`Tamper`] it reports.

use std::cmp::Ordering;
use std::fmt;

use crate::chain::{AuditRecord, GENESIS_PREV};

/// How many records after the first anomaly [`verify`] reads to tell a
/// removal from a reordering or an insertion.
pub const LOOKAHEAD: usize = 1 << 16;

/// What an intact chain verified to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifySummary {
    /// Number of records (also the last seq: seqs run 1..=records).
    pub records: u64,
    /// Hash of the last record, or [`GENESIS_PREV`] for an empty chain.
    /// Keep it somewhere else to detect removal of records from the end,
    /// which the chain alone cannot show.
    pub head: String,
}

/// The broad class of a [`Tamper`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TamperKind {
    /// A record's content was changed.
    Edited,
    /// Records are missing.
    Removed,
    /// A record that does not belong to the chain is present.
    Inserted,
    /// Records are out of order.
    Reordered,
    /// A line is not a record.
    Unparsable,
}

/// The first place where a chain is not intact, and what is wrong there.
///
/// `line` is the 1-based position in the verified sequence: the line
/// number for a JSON-lines file. Every record before the reported position
/// (except the one named by [`Tamper::Rehashed`]) verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Tamper {
    /// The line is not a record (not JSON, a truncated line, an unknown
    /// field, an unreadable item).
    #[error("line {line}: not a readable audit record: {message}")]
    Unparsable {
        /// Position of the line.
        line: u64,
        /// Why it could not be read.
        message: String,
    },
    /// The record's stored hash does not match its content.
    #[error("line {line} (seq {seq}): edited: its content does not match its hash")]
    Edited {
        /// Position of the edited record.
        line: u64,
        /// Its seq, as it now reads.
        seq: u64,
        /// The hash stored in the record.
        stored: String,
        /// The hash its content calls for.
        computed: String,
    },
    /// The record matches its own hash, but the chain breaks right after it:
    /// the record at `detected_at` names another `prev`. The record at
    /// `line` was rewritten with a recomputed hash (or, equally consistent
    /// with the evidence, the `prev` of the record at `detected_at` was).
    /// For a first record whose `prev` is not [`GENESIS_PREV`],
    /// `line == detected_at`.
    #[error(
        "line {line} (seq {seq}): edited and re-hashed: the chain breaks at line {detected_at}"
    )]
    Rehashed {
        /// Position of the rewritten record.
        line: u64,
        /// Its seq.
        seq: u64,
        /// Position of the record whose `prev` exposed it.
        detected_at: u64,
    },
    /// Records `expected_seq` to `found_seq - 1` are missing just before `line`.
    #[error(
        "line {line}: removed: {} record(s) missing before it (expected seq {expected_seq}, found {found_seq})",
        found_seq - expected_seq
    )]
    Removed {
        /// Position of the first record after the gap.
        line: u64,
        /// The seq that should have come next.
        expected_seq: u64,
        /// The seq found instead.
        found_seq: u64,
    },
    /// The record does not belong here: a copy of another record, a second
    /// record with an already used seq, or a forged record the chain goes
    /// on without.
    #[error("line {line} (seq {seq}): inserted: the record does not belong to the chain here")]
    Inserted {
        /// Position of the extra record.
        line: u64,
        /// Its seq.
        seq: u64,
    },
    /// A record comes before its predecessor: `expected_seq` should be at
    /// `line` and is found later, at `expected_line`.
    #[error(
        "line {line} (seq {seq}): reordered: seq {expected_seq} belongs here and is at line {expected_line}"
    )]
    Reordered {
        /// Position of the first out-of-place record.
        line: u64,
        /// Its seq.
        seq: u64,
        /// The seq that belongs at `line`.
        expected_seq: u64,
        /// Where that seq is.
        expected_line: u64,
    },
}

impl Tamper {
    /// The broad class (a re-hashed record counts as [`TamperKind::Edited`]).
    pub fn kind(&self) -> TamperKind {
        match self {
            Tamper::Unparsable { .. } => TamperKind::Unparsable,
            Tamper::Edited { .. } | Tamper::Rehashed { .. } => TamperKind::Edited,
            Tamper::Removed { .. } => TamperKind::Removed,
            Tamper::Inserted { .. } => TamperKind::Inserted,
            Tamper::Reordered { .. } => TamperKind::Reordered,
        }
    }

    /// The position reported (see each variant).
    pub fn line(&self) -> u64 {
        match self {
            Tamper::Unparsable { line, .. }
            | Tamper::Edited { line, .. }
            | Tamper::Rehashed { line, .. }
            | Tamper::Removed { line, .. }
            | Tamper::Inserted { line, .. }
            | Tamper::Reordered { line, .. } => *line,
        }
    }

    /// The seq of the record at [`line`](Self::line), when there is one
    /// (for [`Tamper::Removed`], the seq found after the gap).
    pub fn seq(&self) -> Option<u64> {
        match self {
            Tamper::Unparsable { .. } => None,
            Tamper::Removed { found_seq, .. } => Some(*found_seq),
            Tamper::Edited { seq, .. }
            | Tamper::Rehashed { seq, .. }
            | Tamper::Inserted { seq, .. }
            | Tamper::Reordered { seq, .. } => Some(*seq),
        }
    }
}

/// Verifies a chain that starts at seq 1, item by item, and reports the
/// first tamper.
///
/// An `Err` item is a line that could not be read as a record
/// ([`Tamper::Unparsable`], with the error's text). For each record, in
/// order:
///
/// 1. its hash must match its content, else [`Tamper::Edited`];
/// 2. it must carry the next seq and the previous record's hash as `prev`.
///    If not, up to [`LOOKAHEAD`] further records are read to classify:
///    * right seq, wrong `prev`: [`Tamper::Inserted`] if the record after
///      it is the expected one (carries this seq and links to the chain),
///      else [`Tamper::Rehashed`] on the previous record;
///    * seq ahead of the expected one: [`Tamper::Inserted`] if that seq
///      occurs again later; [`Tamper::Reordered`] if the expected seq and
///      this record's predecessor both occur later; [`Tamper::Inserted`] if
///      only the expected seq does; else [`Tamper::Removed`];
///    * seq already used: [`Tamper::Inserted`] — on this record, or on the
///      previous one when both claim the same place, differ, and the next
///      record links to this one.
///
/// Removing records from the end leaves a valid, shorter chain; compare
/// [`VerifySummary::head`] with a copy kept elsewhere to catch it.
pub fn verify<E: fmt::Display>(
    records: impl IntoIterator<Item = Result<AuditRecord, E>>,
) -> Result<VerifySummary, Tamper> {
    let mut iter = records.into_iter();
    let mut line = 0u64;
    let mut head = GENESIS_PREV.to_owned();
    let mut last: Option<Seen> = None;
    while let Some(item) = iter.next() {
        line += 1;
        let record = item.map_err(|e| Tamper::Unparsable {
            line,
            message: e.to_string(),
        })?;
        let computed = record.compute_hash();
        if computed != record.hash {
            return Err(Tamper::Edited {
                line,
                seq: record.seq,
                stored: record.hash,
                computed,
            });
        }
        let expected_seq = last.as_ref().map_or(1, |l| l.seq + 1);
        if record.seq == expected_seq && record.prev == head {
            head.clone_from(&record.hash);
            last = Some(Seen::new(line, record));
            continue;
        }
        let rest: Vec<Seen> = (line + 1..)
            .zip(iter.take(LOOKAHEAD))
            .filter_map(|(l, item)| {
                item.ok()
                    .filter(AuditRecord::hash_matches)
                    .map(|r| Seen::new(l, r))
            })
            .collect();
        return Err(classify(
            &Seen::new(line, record),
            expected_seq,
            &head,
            last.as_ref(),
            &rest,
        ));
    }
    Ok(VerifySummary {
        records: line,
        head,
    })
}

/// What classification needs of a record.
struct Seen {
    line: u64,
    seq: u64,
    prev: String,
    hash: String,
}

impl Seen {
    fn new(line: u64, record: AuditRecord) -> Self {
        Seen {
            line,
            seq: record.seq,
            prev: record.prev,
            hash: record.hash,
        }
    }
}

/// Classifies the first record `r` that does not continue the chain whose
/// last good record is `last` (hash `head`), using the records after it.
fn classify(r: &Seen, expected_seq: u64, head: &str, last: Option<&Seen>, rest: &[Seen]) -> Tamper {
    let inserted = |at: &Seen| Tamper::Inserted {
        line: at.line,
        seq: at.seq,
    };
    match r.seq.cmp(&expected_seq) {
        Ordering::Equal => {
            let next_is_expected = rest
                .first()
                .is_some_and(|n| n.seq == expected_seq && n.prev == head);
            match last {
                _ if next_is_expected => inserted(r),
                Some(last) => Tamper::Rehashed {
                    line: last.line,
                    seq: last.seq,
                    detected_at: r.line,
                },
                None => Tamper::Rehashed {
                    line: r.line,
                    seq: r.seq,
                    detected_at: r.line,
                },
            }
        }
        Ordering::Greater => {
            if rest.iter().any(|s| s.seq == r.seq) {
                return inserted(r);
            }
            match rest.iter().find(|s| s.seq == expected_seq) {
                Some(at) if rest.iter().any(|s| s.hash == r.prev) => Tamper::Reordered {
                    line: r.line,
                    seq: r.seq,
                    expected_seq,
                    expected_line: at.line,
                },
                Some(_) => inserted(r),
                None => Tamper::Removed {
                    line: r.line,
                    expected_seq,
                    found_seq: r.seq,
                },
            }
        }
        Ordering::Less => match last {
            // Two different records claim the same place and the chain goes
            // on from the second: the first is the extra one.
            Some(last)
                if r.seq == last.seq
                    && r.prev == last.prev
                    && r.hash != last.hash
                    && rest.first().is_some_and(|n| n.prev == r.hash) =>
            {
                inserted(last)
            }
            _ => inserted(r),
        },
    }
}
