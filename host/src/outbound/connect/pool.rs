//! The keep-alive pool: idle HTTP/1.1 connections, keyed so that nothing
//! crosses a boundary it must not, bounded per key and in total, and
//! reaped when idle too long.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use wasmtime_wasi_http::WasiBody;

/// How the connector keeps connections between requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolPolicy {
    /// Keep connections alive for reuse. Off: a new connection per request,
    /// closed when its response ends (as plain `wasmtime-wasi-http` does).
    pub enabled: bool,
    /// Idle connections kept per key (scheme and TLS name, checked address
    /// and port, route class).
    pub max_idle_per_key: usize,
    /// Idle connections kept in all.
    pub max_idle: usize,
    /// An idle connection older than this is closed.
    pub idle_timeout: Duration,
}

impl Default for PoolPolicy {
    /// Pooled: 8 idle connections per key, 256 in all, 90 s idle.
    fn default() -> Self {
        PoolPolicy {
            enabled: true,
            max_idle_per_key: 8,
            max_idle: 256,
            idle_timeout: Duration::from_secs(90),
        }
    }
}

impl PoolPolicy {
    /// A new connection per request.
    pub fn disabled() -> PoolPolicy {
        PoolPolicy {
            enabled: false,
            ..PoolPolicy::default()
        }
    }
}

/// Which requests may share a connection: never a credential route with a
/// plain one, nor one resource's with another's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PoolClass {
    /// An allow-listed host, no credential.
    Plain,
    /// The embedded gateway, to this resource's upstream.
    Resource(Arc<str>),
    /// The configured Caracal Gateway.
    Gateway,
}

/// What a pooled connection is for: the scheme, the address that was
/// checked and connected to, the TLS server name, and the route class.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    /// The TLS server name for `https`; `None` is plain `http`, so the
    /// scheme is part of the key through it.
    pub(crate) tls_name: Option<Arc<str>>,
    pub(crate) address: SocketAddr,
    pub(crate) class: PoolClass,
}

/// One open HTTP/1.1 connection: the request sender and what drives its
/// I/O. Dropping it closes the socket.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) sender: hyper::client::conn::http1::SendRequest<WasiBody>,
    pub(crate) driver: Driver,
    pub(crate) key: PoolKey,
}

/// A connection's I/O future (hyper's `Connection`).
pub(crate) type ConnectionFuture = Pin<Box<dyn Future<Output = hyper::Result<()>> + Send>>;

/// Who drives a connection's I/O: the request itself until its response
/// head arrives (no task hop on the way), then a task of its own, which
/// outlives the exchange so the connection can be pooled.
pub(crate) struct Driver {
    /// Not yet spawned: polled by the exchange.
    pub(crate) inline: Option<ConnectionFuture>,
    /// Running on its own task, aborted when the connection is dropped.
    task: Option<JoinHandle<()>>,
}

impl Driver {
    /// A driver the exchange polls until the response head.
    pub(crate) fn inline(connection: ConnectionFuture) -> Driver {
        Driver {
            inline: Some(connection),
            task: None,
        }
    }

    /// Moves an inline driver to a task of its own.
    pub(crate) fn spawn(&mut self) {
        if let Some(connection) = self.inline.take() {
            self.task = Some(tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%error, "outbound connection ended");
                }
            }));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.inline.is_some() {
            "Driver::Inline"
        } else {
            "Driver::Spawned"
        })
    }
}

#[derive(Debug)]
struct Idle {
    conn: Conn,
    since: Instant,
}

#[derive(Debug, Default)]
struct Idles {
    by_key: HashMap<PoolKey, Vec<Idle>>,
    total: usize,
}

/// The idle connections of one host.
#[derive(Debug)]
pub(crate) struct Pool {
    policy: PoolPolicy,
    idle: Mutex<Idles>,
    reaper_started: AtomicBool,
}

impl Pool {
    pub(crate) fn new(policy: PoolPolicy) -> Pool {
        Pool {
            policy,
            idle: Mutex::default(),
            reaper_started: AtomicBool::new(false),
        }
    }

    fn idles(&self) -> std::sync::MutexGuard<'_, Idles> {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The most recently returned live connection for `key`, if any.
    pub(crate) fn checkout(&self, key: &PoolKey) -> Option<Conn> {
        let mut stale = Vec::new();
        let found = {
            let mut idles = self.idles();
            let Idles { by_key, total } = &mut *idles;
            let list = by_key.get_mut(key)?;
            let mut found = None;
            while let Some(idle) = list.pop() {
                *total -= 1;
                if idle.conn.sender.is_closed() || idle.since.elapsed() >= self.policy.idle_timeout
                {
                    stale.push(idle);
                    continue;
                }
                found = Some(idle.conn);
                break;
            }
            if list.is_empty() {
                by_key.remove(key);
            }
            found
        };
        drop(stale);
        found
    }

    /// Keeps `conn` for reuse, unless it is closed or a bound is reached
    /// (then it is closed).
    pub(crate) fn checkin(self: &Arc<Self>, conn: Conn) {
        if conn.sender.is_closed() {
            return;
        }
        let refused = {
            let mut idles = self.idles();
            let Idles { by_key, total } = &mut *idles;
            let list = by_key.entry(conn.key.clone()).or_default();
            if list.len() >= self.policy.max_idle_per_key || *total >= self.policy.max_idle {
                Some(conn)
            } else {
                list.push(Idle {
                    conn,
                    since: Instant::now(),
                });
                *total += 1;
                None
            }
        };
        drop(refused);
        self.start_reaper();
    }

    /// Closes the idle connections older than the idle timeout at `now`, or
    /// closed by their peer. Returns how many were closed.
    pub(crate) fn reap(&self, now: Instant) -> usize {
        let mut stale = Vec::new();
        {
            let mut idles = self.idles();
            let Idles { by_key, total } = &mut *idles;
            by_key.retain(|_, list| {
                let (keep, old): (Vec<Idle>, Vec<Idle>) =
                    std::mem::take(list).into_iter().partition(|idle| {
                        !idle.conn.sender.is_closed()
                            && now.saturating_duration_since(idle.since) < self.policy.idle_timeout
                    });
                *total -= old.len();
                stale.extend(old);
                *list = keep;
                !list.is_empty()
            });
        }
        stale.len()
    }

    /// Idle connections held now.
    pub(crate) fn idle_count(&self) -> usize {
        self.idles().total
    }

    /// One reaper task per pool, started with the first idle connection; it
    /// ends when the pool is dropped.
    fn start_reaper(self: &Arc<Self>) {
        if self.reaper_started.swap(true, Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.reaper_started.store(false, Ordering::Relaxed);
            return;
        };
        let pool: Weak<Pool> = Arc::downgrade(self);
        let period = (self.policy.idle_timeout / 2).max(Duration::from_millis(100));
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(pool) = pool.upgrade() else { return };
                pool.reap(Instant::now());
            }
        });
    }
}
