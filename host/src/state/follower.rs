//! [`Follower`]: applies what other hosts write to a shared store to this
//! host's engine, from the store's change feed (PostgreSQL `NOTIFY`, or a
//! short poll on SQLite).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use caracal_authority::{Engine, SessionId, StateChange};
use caracal_store::{
    Change, ChangeEvent, ChangeListener, EdgeState, SessionStatus, Store, StoreError,
};

use super::records::{durable_edge, durable_session};

/// How long one wait on the feed lasts before the stop flag is checked.
const WAIT: Duration = Duration::from_millis(200);

/// A thread following the change feed until dropped.
///
/// Dropping it tells the thread to stop and does not wait for it: the
/// thread notices at the end of its current wait on the feed (at most
/// 200 ms) and ends, holding nothing but its own listener and shared
/// handles meanwhile.
#[derive(Debug)]
pub struct Follower {
    stop: Arc<AtomicBool>,
}

impl Follower {
    /// Follows `listener` (created before the engine was restored, so
    /// nothing committed in between is missed) into `engine`; changes
    /// this host (`host_id`) made are already applied and skipped.
    pub fn start(
        store: Arc<dyn Store>,
        mut listener: Box<dyn ChangeListener>,
        engine: Arc<Engine>,
        host_id: String,
    ) -> Follower {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("caracal-follow".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    match listener.wait(WAIT) {
                        Ok(changes) if changes.is_empty() => {}
                        Ok(changes) => match translate(&*store, &changes, &host_id) {
                            Ok(batch) => engine.apply_remote(batch),
                            Err(error) => tracing::warn!(%error, "change feed: reading a change"),
                        },
                        Err(error) => {
                            tracing::warn!(%error, "change feed unavailable; retrying");
                            std::thread::sleep(WAIT);
                        }
                    }
                }
            })
            .expect("spawn the change-feed thread");
        Follower { stop }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        // No join: it would make every `caracal-host run` with a store wait
        // out the rest of a feed wait at exit.
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The engine changes a batch of feed entries stands for.
pub(crate) fn translate(
    store: &dyn Store,
    changes: &[Change],
    host_id: &str,
) -> Result<Vec<StateChange>, StoreError> {
    let mut batch = Vec::with_capacity(changes.len());
    for change in changes {
        let at_ms = change.at_ms;
        match &change.event {
            ChangeEvent::SessionInserted { id } => {
                if let Some(row) = store.session(id)? {
                    batch.push(StateChange::SessionCreated(durable_session(&row)?));
                }
            }
            ChangeEvent::SessionStatus { id, status } => batch.push(match status {
                SessionStatus::Terminated => StateChange::Ended {
                    sessions: vec![SessionId::from(id.as_str())],
                    edges: Vec::new(),
                    at_ms,
                },
                SessionStatus::Suspended => StateChange::Suspended {
                    sessions: vec![SessionId::from(id.as_str())],
                    at_ms,
                },
                SessionStatus::Active => {
                    let lease = match store.session(id)? {
                        Some(row) => durable_session(&row)?.lease,
                        None => None,
                    };
                    StateChange::Resumed {
                        sessions: vec![(SessionId::from(id.as_str()), lease)],
                        at_ms,
                    }
                }
            }),
            ChangeEvent::LeaseTakenOver {
                id,
                generation,
                host_id: holder,
            } if holder != host_id => batch.push(StateChange::LeaseMoved {
                session: SessionId::from(id.as_str()),
                generation: *generation,
            }),
            ChangeEvent::EdgeInserted { id } => {
                if let Some(row) = store.edge(id)? {
                    batch.push(StateChange::EdgeCreated(durable_edge(&row)?));
                }
            }
            ChangeEvent::EdgeState { id, state } => match state {
                EdgeState::Accepted => batch.push(StateChange::EdgeAccepted {
                    edge: id.clone(),
                    at_ms,
                }),
                EdgeState::Revoked => batch.push(StateChange::Ended {
                    sessions: Vec::new(),
                    edges: vec![id.clone()],
                    at_ms,
                }),
                EdgeState::Offered => {}
            },
            _ => {}
        }
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use caracal_authority::{EngineConfig, SystemClock};
    use std::sync::mpsc;

    /// A feed whose every wait blocks until the test lets it go.
    #[derive(Debug)]
    struct StuckFeed {
        entered: mpsc::Sender<()>,
        release: mpsc::Receiver<()>,
    }

    impl ChangeListener for StuckFeed {
        fn wait(&mut self, _timeout: Duration) -> Result<Vec<Change>, StoreError> {
            let _ = self.entered.send(());
            let _ = self.release.recv();
            Ok(Vec::new())
        }

        fn version(&self) -> u64 {
            0
        }
    }

    #[test]
    fn dropping_the_follower_does_not_wait_out_a_feed_wait() {
        let dir = tempfile::tempdir().unwrap();
        let store = caracal_store::open(dir.path().join("state.db").to_str().unwrap()).unwrap();
        let engine = Arc::new(Engine::new(EngineConfig::default(), Arc::new(SystemClock)));
        let (entered, in_wait) = mpsc::channel();
        let (release, released) = mpsc::channel();
        let follower = Follower::start(
            store,
            Box::new(StuckFeed {
                entered,
                release: released,
            }),
            engine,
            "host".into(),
        );
        in_wait.recv().unwrap();
        // The feed stays stuck until `release` is used: a drop that waited
        // for the thread would never return.
        let (dropped, done) = mpsc::channel();
        std::thread::spawn(move || {
            drop(follower);
            let _ = dropped.send(());
        });
        let outcome = done.recv_timeout(Duration::from_secs(10));
        release.send(()).unwrap();
        assert!(outcome.is_ok(), "dropping the follower waited for the feed");
    }
}
