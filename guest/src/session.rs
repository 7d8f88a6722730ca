//! [`Session`] (the scope guard that owns a governed session), [`Context`]
//! (a cheap shared handle on it) and [`AsContext`]. Wraps the WIT resource
//! `caracal:agent/sessions.session`.

use std::cell::OnceCell;
use std::fmt;
use std::rc::Rc;

use crate::binding::{self, Key};
use crate::bindings::sessions;
use crate::builder::{ServiceBuilder, SpawnBuilder};
use crate::context::{ContextInfo, Lease, SessionStatus};
use crate::error::Error;
use crate::headers::Headers;

/// The host's session handle, shared by a [`Session`] and its [`Context`]s.
/// Dropping the last reference drops the WIT handle.
struct Handle {
    resource: sessions::Session,
    id: OnceCell<String>,
}

/// A cheap, clonable handle on a session, for queries: id, context and headers.
///
/// A `Context` does not keep its session alive: the session is retired when
/// its [`Session`] guard is dropped or closed, after which the host refuses
/// [`headers`] with [`Error::Gone`] (and a [`context`] snapshot shows the
/// session [terminated](crate::SessionStatus::Terminated)). Capture one with
/// [`Caracal::current`] or [`Session::handle`] to hand to background work, and
/// re-bind it there with [`Caracal::bind`]. Two `Context`s are equal when they
/// are handles on the same session.
///
/// [`headers`]: Context::headers
/// [`context`]: Context::context
/// [`Caracal::current`]: crate::Caracal::current
/// [`Caracal::bind`]: crate::Caracal::bind
///
/// # Example
///
/// ```no_run
/// use caracal::{Caracal, Error};
///
/// let caracal = Caracal::new();
/// let session = caracal.spawn().start()?;
/// let context = session.handle();
/// assert_eq!(context.id(), session.id());
/// drop(session); // retires the session on the host
/// assert!(matches!(context.headers(), Err(Error::Gone(_))));
/// # Ok::<(), caracal::Error>(())
/// ```
#[derive(Clone)]
pub struct Context {
    handle: Rc<Handle>,
}

impl Context {
    fn new(resource: sessions::Session) -> Context {
        Context {
            handle: Rc::new(Handle {
                resource,
                id: OnceCell::new(),
            }),
        }
    }

    pub(crate) fn resource(&self) -> &sessions::Session {
        &self.handle.resource
    }

    /// The session id (a UUIDv7 string).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// println!("session {}", session.handle().id());
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn id(&self) -> &str {
        self.handle.id.get_or_init(|| self.handle.resource.id())
    }

    /// A snapshot of the session's context.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().label("demo").start()?;
    /// assert_eq!(session.handle().context()?.labels, ["demo"]);
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn context(&self) -> Result<ContextInfo, Error> {
        self.resource()
            .context()
            .map(ContextInfo::from_wit)
            .map_err(Error::from_wit)
    }

    /// The session's outbound envelope: `authorization`, `traceparent`,
    /// `tracestate` when present, and `baggage`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// let context = session.handle();
    /// let headers = context.headers()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn headers(&self) -> Result<Headers, Error> {
        self.resource()
            .header_block()
            .map(Headers::from_block)
            .map_err(Error::from_wit)
    }

    /// The session's status now, as [`Session::status`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// let context = session.handle();
    /// session.close()?;
    /// assert_eq!(context.status(), caracal::SessionStatus::Terminated);
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn status(&self) -> SessionStatus {
        SessionStatus::from_wit(self.resource().status())
    }
}

impl PartialEq for Context {
    fn eq(&self, other: &Context) -> bool {
        Rc::ptr_eq(&self.handle, &other.handle)
    }
}

impl Eq for Context {}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context").field("id", &self.id()).finish()
    }
}

/// A governed session: the scope guard.
///
/// Spawning a session makes it the innermost bound context (see
/// [`Caracal::spawn`]). Dropping it unbinds it and retires it on the host,
/// with its descendants; [`close`](Session::close) does the same and returns
/// the host's error, which `Drop` has to ignore.
///
/// [`Caracal::spawn`]: crate::Caracal::spawn
///
/// # Example
///
/// ```no_run
/// use caracal::Caracal;
///
/// let caracal = Caracal::new();
/// {
///     let session = caracal.spawn().labels(["triage", "email"]).ttl_seconds(600).start()?;
///     let headers = session.headers()?;
///     // ... call out with `headers` ...
/// } // dropped: retired on the host
/// # Ok::<(), caracal::Error>(())
/// ```
#[must_use = "dropping a Session retires it at once"]
pub struct Session {
    context: Context,
    binding: Key,
    closed: bool,
}

impl Session {
    /// Wraps a freshly spawned session and binds it as the innermost context.
    pub(crate) fn bind_new(resource: sessions::Session) -> Session {
        let context = Context::new(resource);
        let binding = binding::push(context.clone());
        Session {
            context,
            binding,
            closed: false,
        }
    }

    /// The session id (a UUIDv7 string).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// println!("session {}", session.id());
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn id(&self) -> &str {
        self.context.id()
    }

    /// A snapshot of the session's context.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// let info = session.context()?;
    /// println!("trace {} at hop {}", info.trace_id, info.hop);
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn context(&self) -> Result<ContextInfo, Error> {
        self.context.context()
    }

    /// The session's outbound envelope: `authorization`, `traceparent`,
    /// `tracestate` when present, and `baggage`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// for (name, value) in &session.headers()? {
    ///     println!("{name}: {value}");
    /// }
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn headers(&self) -> Result<Headers, Error> {
        self.context.headers()
    }

    /// The session's status now, as the host sees it: `Suspended` once its
    /// lease (or an ancestor's) lapsed, `Terminated` once it was closed or
    /// expired. A lost lease shows here before any call fails.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use caracal::SessionStatus;
    ///
    /// let worker = caracal::Caracal::new().spawn_service().start()?;
    /// if worker.status() != SessionStatus::Active {
    ///     eprintln!("lease lost; stopping");
    /// }
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn status(&self) -> SessionStatus {
        self.context.status()
    }

    /// Renews a service session's lease from now and returns it. Refused for
    /// a task session (invalid), for a holder fenced out by an
    /// [`attach`](crate::Caracal::attach) elsewhere (denied), and once the
    /// lease has lapsed (gone: the session is suspended).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let worker = caracal::Caracal::new().spawn_service().label("worker").start()?;
    /// loop {
    ///     let lease = worker.heartbeat()?;
    ///     // ... work until shortly before lease.deadline_ms ...
    /// #   break;
    /// }
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn heartbeat(&self) -> Result<Lease, Error> {
        self.context
            .resource()
            .heartbeat()
            .map(Lease::from_wit)
            .map_err(Error::from_wit)
    }

    /// Unbinds the session and retires it and its descendants on the host,
    /// returning the host's error (dropping the session does the same but
    /// ignores the error).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// // ... work ...
    /// session.close()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn close(mut self) -> Result<(), Error> {
        self.closed = true;
        binding::remove(self.binding);
        self.context.resource().close().map_err(Error::from_wit)
    }

    /// A [`Context`] handle on this session, for background work.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// let context = session.handle();
    /// assert_eq!(context.id(), session.id());
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn handle(&self) -> Context {
        self.context.clone()
    }

    /// Starts spawning a task session as a child of this one.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use caracal::Grant;
    ///
    /// let parent = caracal::Caracal::new().spawn().start()?;
    /// let child = parent.spawn().grant(Grant::narrow(["tickets:read"])).start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn spawn(&self) -> SpawnBuilder {
        SpawnBuilder::new(Some(self.handle()))
    }

    /// Starts spawning a service session (lease-bound) as a child of this one.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let parent = caracal::Caracal::new().spawn().start()?;
    /// let worker = parent.spawn_service().label("indexer").start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn spawn_service(&self) -> ServiceBuilder {
        ServiceBuilder::new(Some(self.handle()))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        binding::remove(self.binding);
        if !self.closed {
            // Close explicitly rather than relying on the handle drop: a
            // `Context` clone held elsewhere would keep the handle alive.
            // `Drop` cannot report the error; `Session::close` does.
            let _ = self.context.resource().close();
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id())
            .field("closed", &self.closed)
            .finish()
    }
}

/// Anything that names a session to spawn under: [`Session`] and [`Context`].
///
/// # Example
///
/// ```no_run
/// use caracal::{AsContext, Caracal};
///
/// fn spawn_helper(caracal: &Caracal, parent: &impl AsContext) -> Result<caracal::Session, caracal::Error> {
///     caracal.spawn().label("helper").parent(parent).start()
/// }
///
/// let caracal = Caracal::new();
/// let session = caracal.spawn().start()?;
/// let helper = spawn_helper(&caracal, &session)?;
/// let other = spawn_helper(&caracal, &session.handle())?;
/// # Ok::<(), caracal::Error>(())
/// ```
pub trait AsContext {
    /// A [`Context`] handle on the session.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use caracal::AsContext;
    ///
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// assert_eq!(session.as_context(), session.handle());
    /// # Ok::<(), caracal::Error>(())
    /// ```
    fn as_context(&self) -> Context;
}

impl AsContext for Session {
    fn as_context(&self) -> Context {
        self.handle()
    }
}

impl AsContext for Context {
    fn as_context(&self) -> Context {
        self.clone()
    }
}
