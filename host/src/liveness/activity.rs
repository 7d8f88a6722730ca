//! [`GuestActivity`]: whether a running guest keeps returning to the host,
//! as seen from epoch ticks.
//!
//! Every host call goes through one of the store's view accessors, which
//! bump a counter ([`GuestActivity::host_call`]). The store's epoch-deadline
//! callback runs only while wasm is executing; on each tick it records the
//! time and whether any host call happened since the previous tick
//! ([`GuestActivity::observe_running`]). So a guest blocked in a long host
//! call is not observed at all, and a guest spinning in wasm is observed on
//! every tick with the counter standing still: its continuous run length is
//! known without a thread per guest.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// Shared between a guest's store (which writes it) and the lease keeper
/// (which reads it). All fields are relaxed atomics: each is read and
/// written on its own, and a reading one tick stale is harmless.
#[derive(Debug, Default)]
pub struct GuestActivity {
    host_calls: AtomicU64,
    calls_at_last_tick: AtomicU64,
    /// When the current uninterrupted run of wasm was first observed (unix
    /// ms); 0 when never observed.
    running_since_ms: AtomicU64,
    /// When wasm was last observed running (unix ms); 0 when never.
    last_seen_running_ms: AtomicU64,
    ended: AtomicBool,
}

impl GuestActivity {
    /// A record for a guest not yet observed.
    pub fn new() -> GuestActivity {
        GuestActivity::default()
    }

    /// Counts one host call (called from the store's view accessors).
    pub(crate) fn host_call(&self) {
        self.host_calls.fetch_add(1, Relaxed);
    }

    /// Records that wasm is running at `now_ms` (called from the epoch
    /// deadline callback). A host call since the previous tick starts a new
    /// run.
    pub(crate) fn observe_running(&self, now_ms: u64) {
        let calls = self.host_calls.load(Relaxed);
        if self.calls_at_last_tick.swap(calls, Relaxed) != calls
            || self.running_since_ms.load(Relaxed) == 0
        {
            self.running_since_ms.store(now_ms, Relaxed);
        }
        self.last_seen_running_ms.store(now_ms, Relaxed);
    }

    /// When wasm was last observed running, if ever.
    pub fn last_seen_running_ms(&self) -> Option<u64> {
        Some(self.last_seen_running_ms.load(Relaxed)).filter(|&ms| ms != 0)
    }

    /// How long, as of `now_ms`, the guest has been running wasm without
    /// returning to the host: zero unless it was observed running within the
    /// last `window_ms` (a guest waiting in a host call is not observed).
    pub fn stuck_for_ms(&self, now_ms: u64, window_ms: u64) -> u64 {
        let Some(last_seen) = self.last_seen_running_ms() else {
            return 0;
        };
        if now_ms.saturating_sub(last_seen) > window_ms {
            return 0;
        }
        last_seen.saturating_sub(self.running_since_ms.load(Relaxed))
    }

    /// Marks the guest as finished: the keeper drops its auto-heartbeats.
    pub(crate) fn end(&self) {
        self.ended.store(true, Relaxed);
    }

    /// Whether the guest has finished.
    pub fn has_ended(&self) -> bool {
        self.ended.load(Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::GuestActivity;

    #[test]
    fn a_guest_never_observed_is_not_stuck() {
        let activity = GuestActivity::new();
        assert_eq!(activity.stuck_for_ms(5_000, 20), 0);
        assert_eq!(activity.last_seen_running_ms(), None);
    }

    #[test]
    fn ticks_without_host_calls_accumulate() {
        let activity = GuestActivity::new();
        activity.host_call();
        activity.observe_running(1_000);
        activity.observe_running(2_000);
        activity.observe_running(3_000);
        assert_eq!(activity.stuck_for_ms(3_000, 20), 2_000);
    }

    #[test]
    fn a_host_call_starts_a_new_run() {
        let activity = GuestActivity::new();
        activity.observe_running(1_000);
        activity.observe_running(2_000);
        activity.host_call();
        activity.observe_running(3_000);
        assert_eq!(activity.stuck_for_ms(3_000, 20), 0);
        activity.observe_running(4_000);
        assert_eq!(activity.stuck_for_ms(4_000, 20), 1_000);
    }

    #[test]
    fn a_guest_not_seen_within_the_window_is_waiting_in_the_host() {
        let activity = GuestActivity::new();
        activity.observe_running(1_000);
        activity.observe_running(2_000);
        assert_eq!(activity.stuck_for_ms(2_010, 20), 1_000);
        assert_eq!(activity.stuck_for_ms(2_021, 20), 0);
    }
}
