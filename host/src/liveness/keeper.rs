//! [`LeaseKeeper`]: host-driven auto-heartbeats and the deadline sweeper.
//!
//! One keeper per host. On each [`LeaseKeeper::tick`] it renews every
//! auto-heartbeat that is due, unless its guest has been running wasm for a
//! whole interval without returning to the host (a stuck guest must lose its
//! lease), then sweeps the authority engine if a task expiry or lease
//! deadline has passed. A tick with nothing due costs a lock and a few
//! comparisons.

use super::GuestActivity;
use crate::audit::Auditor;
use caracal_audit::EventKind;
use caracal_authority::{AuthorityError, Compaction, Engine as Authority, SessionId, SweepReport};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// One guest's request that the host renew a lease for it.
#[derive(Debug)]
struct AutoHeartbeat {
    session: SessionId,
    generation: u64,
    interval_ms: u64,
    next_due_ms: u64,
    activity: Arc<GuestActivity>,
}

/// What one [`LeaseKeeper::tick`] did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct KeeperReport {
    /// Sessions whose lease the host renewed.
    pub renewed: Vec<SessionId>,
    /// Sessions not renewed because their guest has been running wasm for
    /// at least the heartbeat interval without returning to the host.
    pub held_back: Vec<SessionId>,
    /// Auto-heartbeats dropped because the lease is gone for good
    /// (suspended, retired, or taken over by another holder).
    pub lost: Vec<(SessionId, AuthorityError)>,
    /// Renewals that failed for a passing reason; retried next tick.
    pub retried: Vec<(SessionId, AuthorityError)>,
    /// The deadline sweep, when one was due.
    pub sweep: SweepReport,
    /// What the engine forgot, when a compaction was due (every
    /// [`COMPACT_EVERY`], of what ended [`FORGET_AFTER`] ago).
    pub compaction: Compaction,
}

/// Host-driven lease renewal and sweeping for one authority engine.
#[derive(Debug)]
pub struct LeaseKeeper {
    authority: Arc<Authority>,
    auditor: Auditor,
    window_ms: u64,
    entries: Mutex<Vec<AutoHeartbeat>>,
    /// When the next compaction is due (unix ms; 0 before the first tick).
    next_compaction_ms: AtomicU64,
}

/// How long the engine remembers a session after it ended (then
/// [`Authority::compact`] forgets it; the store, if any, keeps it): twice
/// the lifetime of a token, so nothing presented to the host can still
/// name it.
pub const FORGET_AFTER: Duration = Duration::from_secs(2 * crate::token::TOKEN_TTL_SECONDS);

/// How often the keeper compacts the engine.
pub const COMPACT_EVERY: Duration = Duration::from_secs(60);

impl LeaseKeeper {
    /// A keeper for `authority`, recording lease losses and sweeps with
    /// `auditor`. A guest counts as running wasm if an epoch tick observed it
    /// within the last `window_ms` (two tick periods).
    pub fn new(authority: Arc<Authority>, auditor: Auditor, window_ms: u64) -> LeaseKeeper {
        LeaseKeeper {
            authority,
            auditor,
            window_ms,
            entries: Mutex::new(Vec::new()),
            next_compaction_ms: AtomicU64::new(0),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<AutoHeartbeat>> {
        // Entries are plain data: a panic elsewhere leaves them usable.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Renews `session` (held at `generation`) every `interval_ms` from now
    /// on, for as long as `activity`'s guest runs and keeps returning to the
    /// host. Replaces an earlier registration of the same session.
    pub(crate) fn register(
        &self,
        session: SessionId,
        generation: u64,
        interval_ms: u64,
        activity: Arc<GuestActivity>,
    ) {
        let next_due_ms = self.authority.clock().now_ms().saturating_add(interval_ms);
        let mut entries = self.entries();
        entries.retain(|e| e.session != session);
        entries.push(AutoHeartbeat {
            session,
            generation,
            interval_ms,
            next_due_ms,
            activity,
        });
    }

    /// Stops renewing `session` for the holder at `generation`.
    pub(crate) fn unregister(&self, session: &SessionId, generation: u64) {
        self.entries()
            .retain(|e| !(e.session == *session && e.generation == generation));
    }

    /// Sessions currently renewed by the host.
    pub fn registered(&self) -> Vec<SessionId> {
        self.entries().iter().map(|e| e.session.clone()).collect()
    }

    /// Renews what is due, then sweeps expired tasks and lapsed leases.
    /// Every lease lost and every sweep that changed something is logged.
    pub fn tick(&self) -> KeeperReport {
        let now = self.authority.clock().now_ms();
        let mut report = KeeperReport::default();
        self.entries().retain_mut(|entry| {
            if entry.activity.has_ended() {
                return false;
            }
            if now < entry.next_due_ms {
                return true;
            }
            entry.next_due_ms = now.saturating_add(entry.interval_ms);
            let stuck = entry.activity.stuck_for_ms(now, self.window_ms);
            if stuck >= entry.interval_ms {
                tracing::warn!(
                    session = %entry.session,
                    stuck_ms = stuck,
                    "not renewing the lease: the guest has run wasm without returning to the host"
                );
                report.held_back.push(entry.session.clone());
                return true;
            }
            match self.authority.heartbeat(&entry.session, entry.generation) {
                Ok(_) => {
                    report.renewed.push(entry.session.clone());
                    true
                }
                Err(error @ AuthorityError::Unavailable(_)) => {
                    tracing::warn!(session = %entry.session, %error, "lease renewal failed; retrying next tick");
                    report.retried.push((entry.session.clone(), error));
                    true
                }
                Err(error) => {
                    tracing::warn!(session = %entry.session, %error, "lease lost; the host stops renewing it");
                    self.auditor.record(
                        self.auditor
                            .event(EventKind::LeaseLost)
                            .session(entry.session.to_string())
                            .reason(error.to_string()),
                    );
                    report.lost.push((entry.session.clone(), error));
                    false
                }
            }
        });
        if self
            .authority
            .next_deadline_ms()
            .is_some_and(|deadline| deadline <= now)
        {
            report.sweep = self.authority.sweep();
            self.record_sweep(&report.sweep);
        }
        let due = self.next_compaction_ms.load(Ordering::Relaxed);
        if due == 0 {
            self.schedule_compaction(now);
        } else if now >= due {
            self.schedule_compaction(now);
            report.compaction = self.authority.compact(FORGET_AFTER);
            if report.compaction.sessions > 0 || report.compaction.edges > 0 {
                tracing::debug!(
                    sessions = report.compaction.sessions,
                    edges = report.compaction.edges,
                    "forgot sessions and edges that ended long ago"
                );
            }
        }
        report
    }

    fn schedule_compaction(&self, now: u64) {
        let every = u64::try_from(COMPACT_EVERY.as_millis()).unwrap_or(u64::MAX);
        self.next_compaction_ms
            .store(now.saturating_add(every), Ordering::Relaxed);
    }
}

impl LeaseKeeper {
    /// Logs and audits what a sweep did.
    fn record_sweep(&self, sweep: &SweepReport) {
        log_sweep(sweep);
        for id in &sweep.suspended {
            self.auditor.record(
                self.auditor
                    .event(EventKind::Suspend)
                    .session(id.to_string())
                    .reason("lease lapsed"),
            );
        }
        for id in &sweep.terminated {
            self.auditor.record(
                self.auditor
                    .event(EventKind::Expire)
                    .session(id.to_string())
                    .reason("task TTL expired"),
            );
        }
    }
}

fn log_sweep(sweep: &SweepReport) {
    if !sweep.suspended.is_empty() {
        tracing::warn!(
            sessions = ?sweep.suspended,
            "lease lapsed: sessions suspended"
        );
    }
    if !sweep.terminated.is_empty() {
        tracing::info!(sessions = ?sweep.terminated, "task TTL expired: sessions terminated");
    }
}
