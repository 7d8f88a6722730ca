//! [`Grant`], [`NarrowGrant`] and [`DelegationConstraints`]: the authority a
//! child session starts with (WIT `caracal:agent/types.grant`).

use crate::bindings::types;

/// The authority a child session starts with.
///
/// The host checks every grant against the parent's delegation edge and
/// refuses (never silently widens) one that asks for more: scopes must be a
/// subset of the parent's, the resource equal or narrower, the expiry no later,
/// the hop count and budget within the parent's constraints.
///
/// # Example
///
/// ```no_run
/// use caracal::{Caracal, DelegationConstraints, Grant};
///
/// let caracal = Caracal::new();
/// // The default: the child holds what its parent holds.
/// let worker = caracal.spawn().grant(Grant::inherit()).start()?;
/// // No delegated authority at all.
/// let sandboxed = worker.spawn().grant(Grant::none()).start()?;
/// // A narrower slice.
/// let reader = worker
///     .spawn()
///     .grant(
///         Grant::narrow(["tickets:read"])
///             .resource_id("resource://tickets")
///             .constraints(DelegationConstraints { max_calls: Some(10), ..Default::default() })
///             .ttl_seconds(300),
///     )
///     .start()?;
/// # drop((sandboxed, reader));
/// # Ok::<(), caracal::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Grant {
    /// The parent's effective authority (a narrowed parent's slice is
    /// mirrored onto the child). The default.
    #[default]
    Inherit,
    /// No delegated authority at all.
    None,
    /// A narrower slice of the parent's authority.
    Narrow(NarrowGrant),
}

impl Grant {
    /// The parent's effective authority: [`Grant::Inherit`].
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(caracal::Grant::inherit(), caracal::Grant::default());
    /// ```
    pub fn inherit() -> Grant {
        Grant::Inherit
    }

    /// No delegated authority: [`Grant::None`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().grant(caracal::Grant::none()).start()?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn none() -> Grant {
        Grant::None
    }

    /// Starts a narrowed grant of `scopes`; refine it with the
    /// [`NarrowGrant`] builder methods. Each scope must be held by the parent
    /// (exact string match).
    ///
    /// # Example
    ///
    /// ```
    /// use caracal::Grant;
    ///
    /// let grant: Grant = Grant::narrow(["tickets:read", "tickets:write"])
    ///     .resource_id("resource://tickets")
    ///     .into();
    /// assert!(matches!(grant, Grant::Narrow(_)));
    /// ```
    pub fn narrow(scopes: impl IntoIterator<Item = impl Into<String>>) -> NarrowGrant {
        NarrowGrant {
            scopes: scopes.into_iter().map(Into::into).collect(),
            resource_id: None,
            constraints: DelegationConstraints::default(),
            ttl_seconds: None,
        }
    }

    pub(crate) fn to_wit(&self) -> types::Grant {
        match self {
            Grant::Inherit => types::Grant::Inherit,
            Grant::None => types::Grant::None,
            Grant::Narrow(narrow) => types::Grant::Narrow(narrow.to_wit()),
        }
    }
}

/// A narrowed slice of the parent's authority, built by [`Grant::narrow`].
///
/// # Example
///
/// ```
/// use caracal::{DelegationConstraints, Grant, NarrowGrant};
///
/// let grant: NarrowGrant = Grant::narrow(["tickets:read"])
///     .resource_id("resource://tickets")
///     .constraints(DelegationConstraints { max_hops: Some(1), ..Default::default() })
///     .ttl_seconds(300);
/// let grant: Grant = grant.into();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NarrowGrant {
    scopes: Vec<String>,
    resource_id: Option<String>,
    constraints: DelegationConstraints,
    ttl_seconds: Option<u32>,
}

impl NarrowGrant {
    /// Binds the grant to a resource, equal to or narrower than the parent's.
    ///
    /// # Example
    ///
    /// ```
    /// let grant = caracal::Grant::narrow(["tickets:read"]).resource_id("resource://tickets");
    /// ```
    pub fn resource_id(mut self, resource_id: impl Into<String>) -> NarrowGrant {
        self.resource_id = Some(resource_id.into());
        self
    }

    /// Sets the bounds on further delegation from the child.
    ///
    /// # Example
    ///
    /// ```
    /// use caracal::{DelegationConstraints, Grant};
    ///
    /// let grant = Grant::narrow(["tickets:read"]).constraints(DelegationConstraints {
    ///     max_hops: Some(2),
    ///     budget: Some(1),
    ///     ..Default::default()
    /// });
    /// ```
    pub fn constraints(mut self, constraints: DelegationConstraints) -> NarrowGrant {
        self.constraints = constraints;
        self
    }

    /// Sets the grant's lifetime in seconds (default: the session's TTL). It
    /// may not outlive the parent's grant.
    ///
    /// # Example
    ///
    /// ```
    /// let grant = caracal::Grant::narrow(["tickets:read"]).ttl_seconds(300);
    /// ```
    pub fn ttl_seconds(mut self, ttl_seconds: u32) -> NarrowGrant {
        self.ttl_seconds = Some(ttl_seconds);
        self
    }

    fn to_wit(&self) -> types::NarrowGrant {
        types::NarrowGrant {
            scopes: self.scopes.clone(),
            resource_id: self.resource_id.clone(),
            constraints: self.constraints.to_wit(),
            ttl_seconds: self.ttl_seconds,
        }
    }
}

impl From<NarrowGrant> for Grant {
    fn from(narrow: NarrowGrant) -> Grant {
        Grant::Narrow(narrow)
    }
}

/// Bounds on what a delegation edge may be narrowed into further.
///
/// Every field is optional; `None` leaves the host's default (for `max_hops`,
/// 1: no further hops; for `budget`, the number of scopes).
///
/// # Example
///
/// ```
/// use caracal::DelegationConstraints;
///
/// let constraints = DelegationConstraints {
///     max_hops: Some(2),
///     budget: Some(2),
///     ttl_seconds: Some(600),
///     ..Default::default()
/// };
/// assert_eq!(constraints.max_calls, None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DelegationConstraints {
    /// How many further hops may follow this edge (default 1: none).
    pub max_hops: Option<u32>,
    /// A narrowing bound on sub-grants (default: the number of scopes). A
    /// bound, not a counter.
    pub budget: Option<u32>,
    /// Resource ids that sub-grants may name.
    pub resources: Option<Vec<String>>,
    /// Longest TTL, in seconds, that a sub-grant may carry.
    pub ttl_seconds: Option<u32>,
    /// Outbound calls the host meters under this edge.
    pub max_calls: Option<u64>,
}

impl DelegationConstraints {
    pub(crate) fn to_wit(&self) -> types::DelegationConstraints {
        types::DelegationConstraints {
            max_hops: self.max_hops,
            budget: self.budget,
            resources: self.resources.clone(),
            ttl_seconds: self.ttl_seconds,
            max_calls: self.max_calls,
        }
    }
}
