//! [`Caracal`]: the entry point, acting on the bound context or the root
//! context (the free functions of WIT `caracal:agent/sessions`).

use crate::binding::{self, BindGuard};
use crate::bindings::sessions;
use crate::builder::{ServiceBuilder, SpawnBuilder};
use crate::context::ContextInfo;
use crate::error::Error;
use crate::headers::Headers;
use crate::session::{Context, Session};

/// The Caracal client: spawns sessions and projects the bound context.
///
/// It holds no state of its own beyond [`allow_root`](Caracal::allow_root):
/// the host provides the zone, application and root context, so there is
/// nothing to configure in the guest and no environment to read. Create one
/// wherever it is needed.
///
/// # Example
///
/// ```no_run
/// use caracal::Caracal;
///
/// let caracal = Caracal::new();
/// let session = caracal.spawn().labels(["hello", "demo"]).start()?;
/// let info = caracal.context()?; // the bound session's context
/// assert_eq!(info.session_id.as_deref(), Some(session.id()));
/// let headers = caracal.headers()?; // the bound session's envelope
/// # Ok::<(), caracal::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Caracal {
    allow_root: bool,
}

impl Caracal {
    /// A client whose [`headers`](Caracal::headers) refuses to project the
    /// root context.
    ///
    /// # Example
    ///
    /// ```
    /// let caracal = caracal::Caracal::new();
    /// ```
    pub fn new() -> Caracal {
        Caracal::default()
    }

    /// Lets [`headers`](Caracal::headers) project the root context (the
    /// application's own authority) when no session is bound. Off by default,
    /// so that work outside any session fails loudly instead of calling out
    /// with the application's full authority.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let headers = caracal::Caracal::new().allow_root(true).headers()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn allow_root(self, allow: bool) -> Caracal {
        Caracal { allow_root: allow }
    }

    /// Starts spawning a task session. Its parent is the innermost bound
    /// context when the session starts, else the root context; choose another
    /// with [`SpawnBuilder::parent`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let caracal = caracal::Caracal::new();
    /// let outer = caracal.spawn().label("outer").start()?; // child of the root context
    /// let inner = caracal.spawn().label("inner").start()?; // child of `outer`
    /// assert_eq!(inner.context()?.depth, 2);
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn spawn(&self) -> SpawnBuilder {
        SpawnBuilder::new(None)
    }

    /// Starts spawning a service session (lease-bound, no TTL); the parent is
    /// chosen as for [`spawn`](Caracal::spawn).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let worker = caracal::Caracal::new().spawn_service().label("worker").start()?;
    /// worker.heartbeat()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn spawn_service(&self) -> ServiceBuilder {
        ServiceBuilder::new(None)
    }

    /// Takes over a live service session by id, typically one left behind
    /// by a worker that crashed: the host bumps the lease generation and
    /// renews the lease, so the previous holder's `heartbeat` and `close` are
    /// refused from then on. The returned session is bound as the innermost
    /// context. Refused for a task ([`Error::Invalid`]), an unknown id
    /// ([`Error::NotFound`]) and a suspended or retired session
    /// ([`Error::Gone`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let id_of_crashed_worker = String::new();
    /// let caracal = caracal::Caracal::new();
    /// let worker = caracal.attach(&id_of_crashed_worker)?;
    /// let lease = worker.heartbeat()?; // a new generation
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn attach(&self, session_id: impl AsRef<str>) -> Result<Session, Error> {
        sessions::attach(session_id.as_ref(), None)
            .map(Session::bind_new)
            .map_err(Error::from_wit)
    }

    /// [`attach`](Caracal::attach), with host-driven heartbeats every
    /// `interval` as [`ServiceBuilder::heartbeat_interval`] describes.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let id = String::new();
    /// use std::time::Duration;
    ///
    /// let worker = caracal::Caracal::new().attach_with_heartbeat(&id, Duration::from_secs(10))?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn attach_with_heartbeat(
        &self,
        session_id: impl AsRef<str>,
        interval: std::time::Duration,
    ) -> Result<Session, Error> {
        sessions::attach(session_id.as_ref(), Some(crate::builder::millis(interval)))
            .map(Session::bind_new)
            .map_err(Error::from_wit)
    }

    /// The bound context's outbound envelope. With nothing bound, the root
    /// context's, which the host refuses with [`Error::Denied`] unless
    /// [`allow_root`](Caracal::allow_root) was set.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use caracal::{Caracal, Error};
    ///
    /// let caracal = Caracal::new();
    /// assert!(matches!(caracal.headers(), Err(Error::Denied(_))));
    /// let session = caracal.spawn().start()?;
    /// let headers = caracal.headers()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn headers(&self) -> Result<Headers, Error> {
        match binding::innermost() {
            Some(context) => context.headers(),
            None => sessions::header_block(self.allow_root)
                .map(Headers::from_block)
                .map_err(Error::from_wit),
        }
    }

    /// An HTTP client over `wasi:http` that puts the bound context's
    /// envelope on gateway-routed requests; it inherits this client's
    /// [`allow_root`](Caracal::allow_root) setting. See [`Transport`].
    ///
    /// Requires the `transport` feature (on by default).
    ///
    /// [`Transport`]: crate::Transport
    ///
    /// # Example
    ///
    /// ```no_run
    /// let caracal = caracal::Caracal::new();
    /// let session = caracal.spawn().label("triage").start()?;
    /// let response = caracal.transport().get("https://api.example.com/tickets")?;
    /// println!("{}", response.status());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "transport")]
    pub fn transport(&self) -> crate::Transport {
        crate::Transport::new().allow_root(self.allow_root)
    }

    /// A snapshot of the bound context, else of the root context.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let caracal = caracal::Caracal::new();
    /// let root = caracal.context()?;
    /// assert_eq!(root.session_id, None);
    /// assert_eq!(root.depth, 0);
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn context(&self) -> Result<ContextInfo, Error> {
        match binding::innermost() {
            Some(context) => context.context(),
            None => Ok(ContextInfo::from_wit(sessions::context())),
        }
    }

    /// Captures the bound context, to re-bind it later with
    /// [`bind`](Caracal::bind) (for example in a background task). `None`
    /// when nothing is bound.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let caracal = caracal::Caracal::new();
    /// assert!(caracal.current().is_none());
    /// let session = caracal.spawn().start()?;
    /// assert_eq!(caracal.current(), Some(session.handle()));
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn current(&self) -> Option<Context> {
        binding::innermost()
    }

    /// Binds a captured context as the innermost context until the guard
    /// drops. This is how background work keeps its session: capture with
    /// [`current`](Caracal::current) where the session is bound, bind where
    /// the work runs.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use caracal::{Caracal, Context};
    ///
    /// fn background_job(caracal: &Caracal, context: &Context) -> Result<(), caracal::Error> {
    ///     let _bound = caracal.bind(context);
    ///     let headers = caracal.headers()?; // the captured session's envelope
    ///     Ok(())
    /// }
    ///
    /// let caracal = Caracal::new();
    /// let session = caracal.spawn().label("request").start()?;
    /// let captured = caracal.current().expect("bound");
    /// background_job(&caracal, &captured)?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn bind(&self, context: &Context) -> BindGuard {
        BindGuard::new(context.clone())
    }
}
