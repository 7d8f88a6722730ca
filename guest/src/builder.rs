//! [`SpawnBuilder`] and [`ServiceBuilder`]: how to spawn a task or service
//! session (WIT `spawn-options` and `service-options`).

use crate::binding;
use crate::bindings::{sessions, types};
use crate::error::Error;
use crate::grant::Grant;
use crate::session::{AsContext, Context, Session};
use std::time::Duration;

/// Spawns under `parent`, or under the innermost bound context, or under the
/// root context when nothing is bound.
fn parent_or_bound(parent: Option<Context>) -> Option<Context> {
    parent.or_else(binding::innermost)
}

/// Builds a task session: a session retired when its scope ends or its TTL
/// expires. From [`Caracal::spawn`](crate::Caracal::spawn) or
/// [`Session::spawn`].
///
/// Without [`parent`](SpawnBuilder::parent), the parent is the context bound
/// when [`start`](SpawnBuilder::start) (or [`run`](SpawnBuilder::run)) is
/// called: the innermost live session, else the root context.
///
/// # Example
///
/// ```no_run
/// use caracal::{Caracal, Grant};
///
/// let caracal = Caracal::new();
/// let session = caracal
///     .spawn()
///     .labels(["triage", "email"])
///     .label("priority")
///     .grant(Grant::narrow(["tickets:read"]).resource_id("resource://tickets"))
///     .ttl_seconds(600)
///     .start()?;
/// # Ok::<(), caracal::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until `start` or `run` is called"]
pub struct SpawnBuilder {
    parent: Option<Context>,
    labels: Vec<String>,
    grant: Grant,
    ttl_seconds: Option<u32>,
}

impl SpawnBuilder {
    pub(crate) fn new(parent: Option<Context>) -> SpawnBuilder {
        SpawnBuilder {
            parent,
            labels: Vec::new(),
            grant: Grant::Inherit,
            ttl_seconds: None,
        }
    }

    /// Adds descriptive labels (policy input and audit, never grants): at
    /// most 32 in all, each 1..=64 characters after trimming.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().labels(["hello", "demo"]).start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn labels(mut self, labels: impl IntoIterator<Item = impl Into<String>>) -> SpawnBuilder {
        self.labels.extend(labels.into_iter().map(Into::into));
        self
    }

    /// Adds one descriptive label.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().label("hello").start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn label(mut self, label: impl Into<String>) -> SpawnBuilder {
        self.labels.push(label.into());
        self
    }

    /// Sets the authority the child starts with (default [`Grant::Inherit`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use caracal::Grant;
    ///
    /// let session = caracal::Caracal::new().spawn().grant(Grant::narrow(["tickets:read"])).start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn grant(mut self, grant: impl Into<Grant>) -> SpawnBuilder {
        self.grant = grant.into();
        self
    }

    /// Sets the session's TTL in seconds, 1..=86400 (default: the host's,
    /// 3600).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().ttl_seconds(60).start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn ttl_seconds(mut self, ttl_seconds: u32) -> SpawnBuilder {
        self.ttl_seconds = Some(ttl_seconds);
        self
    }

    /// Spawns under `parent` instead of the bound context. The new session
    /// still becomes the innermost binding.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use caracal::Caracal;
    ///
    /// let caracal = Caracal::new();
    /// let a = caracal.spawn().label("a").start()?;
    /// let b = caracal.spawn().label("b").start()?; // a child of `a`
    /// let sibling = caracal.spawn().parent(&a).start()?; // also a child of `a`
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn parent(mut self, parent: &impl AsContext) -> SpawnBuilder {
        self.parent = Some(parent.as_context());
        self
    }

    /// Spawns the session and binds it as the innermost context.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let caracal = caracal::Caracal::new();
    /// let session = caracal.spawn().start()?;
    /// assert_eq!(caracal.current(), Some(session.handle()));
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn start(self) -> Result<Session, Error> {
        let options = types::SpawnOptions {
            labels: self.labels,
            grant: self.grant.to_wit(),
            ttl_seconds: self.ttl_seconds,
        };
        let spawned = match parent_or_bound(self.parent) {
            Some(parent) => parent.resource().spawn(&options),
            None => sessions::spawn(&options),
        };
        spawned.map(Session::bind_new).map_err(Error::from_wit)
    }

    /// The closure form: spawns the session, runs `f` with it bound, then
    /// closes it. Returns `f`'s result, or the error of the spawn or of the
    /// close.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let caracal = caracal::Caracal::new();
    /// let header_count = caracal.spawn().label("job").run(|session| {
    ///     session.headers().map(|headers| headers.len())
    /// })??;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn run<R>(self, f: impl FnOnce(&Session) -> R) -> Result<R, Error> {
        let session = self.start()?;
        let result = f(&session);
        session.close()?;
        Ok(result)
    }
}

/// Builds a service session: a session with no TTL that lives as long as its
/// heartbeat lease is renewed (see [`Session::heartbeat`]). From
/// [`Caracal::spawn_service`](crate::Caracal::spawn_service) or
/// [`Session::spawn_service`].
///
/// The parent is chosen as for [`SpawnBuilder`].
///
/// # Example
///
/// ```no_run
/// let worker = caracal::Caracal::new()
///     .spawn_service()
///     .labels(["worker", "indexer"])
///     .start()?;
/// let lease = worker.heartbeat()?;
/// # Ok::<(), caracal::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct ServiceBuilder {
    parent: Option<Context>,
    labels: Vec<String>,
    grant: Grant,
    heartbeat_interval: Option<Duration>,
}

impl ServiceBuilder {
    pub(crate) fn new(parent: Option<Context>) -> ServiceBuilder {
        ServiceBuilder {
            parent,
            labels: Vec::new(),
            grant: Grant::Inherit,
            heartbeat_interval: None,
        }
    }

    /// Adds descriptive labels, as [`SpawnBuilder::labels`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let worker = caracal::Caracal::new().spawn_service().labels(["worker"]).start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn labels(mut self, labels: impl IntoIterator<Item = impl Into<String>>) -> ServiceBuilder {
        self.labels.extend(labels.into_iter().map(Into::into));
        self
    }

    /// Adds one descriptive label.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let worker = caracal::Caracal::new().spawn_service().label("worker").start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn label(mut self, label: impl Into<String>) -> ServiceBuilder {
        self.labels.push(label.into());
        self
    }

    /// Sets the authority the service holds for its whole life (default
    /// [`Grant::Inherit`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use caracal::Grant;
    ///
    /// let worker = caracal::Caracal::new()
    ///     .spawn_service()
    ///     .grant(Grant::narrow(["queue:consume"]))
    ///     .start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn grant(mut self, grant: impl Into<Grant>) -> ServiceBuilder {
        self.grant = grant.into();
        self
    }

    /// Spawns under `parent` instead of the bound context. The new session
    /// still becomes the innermost binding.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let caracal = caracal::Caracal::new();
    /// let app = caracal.spawn().label("app").start()?;
    /// let worker = caracal.spawn_service().parent(&app).start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn parent(mut self, parent: &impl AsContext) -> ServiceBuilder {
        self.parent = Some(parent.as_context());
        self
    }

    /// Asks the host to renew the lease every `interval` from its own timer,
    /// so the lease stays current while the agent waits on a long call. The
    /// host stops renewing if the agent runs wasm for a whole interval
    /// without returning to the host (a stuck loop loses its lease). The
    /// interval must not exceed the host's lease length (30 s by default).
    /// Without it, renew with [`Session::heartbeat`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let worker = caracal::Caracal::new()
    ///     .spawn_service()
    ///     .heartbeat_interval(Duration::from_secs(10))
    ///     .start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn heartbeat_interval(mut self, interval: Duration) -> ServiceBuilder {
        self.heartbeat_interval = Some(interval);
        self
    }

    /// Spawns the service session and binds it as the innermost context.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let worker = caracal::Caracal::new().spawn_service().start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn start(self) -> Result<Session, Error> {
        let options = types::ServiceOptions {
            labels: self.labels,
            grant: self.grant.to_wit(),
            heartbeat_interval_ms: self.heartbeat_interval.map(millis),
        };
        let spawned = match parent_or_bound(self.parent) {
            Some(parent) => parent.resource().spawn_service(&options),
            None => sessions::spawn_service(&options),
        };
        spawned.map(Session::bind_new).map_err(Error::from_wit)
    }
}

/// A duration in whole milliseconds for the host, at least 1 and saturating.
pub(crate) fn millis(interval: Duration) -> u64 {
    u64::try_from(interval.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}
