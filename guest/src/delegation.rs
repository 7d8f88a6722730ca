//! Peer delegation from the bound session (WIT `caracal:agent/delegation`):
//! [`Caracal::delegate`], [`Caracal::accept_delegation`],
//! [`Caracal::revoke_delegation`], [`Caracal::describe_authority`].

use crate::binding;
use crate::bindings::delegation as wit;
use crate::client::Caracal;
use crate::error::Error;
use crate::grant::DelegationConstraints;
use crate::session::{Context, Session};

/// An offered delegation edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delegation {
    /// The delegation id; the receiver accepts it by this id.
    pub id: String,
    /// Scopes delegated.
    pub scopes: Vec<String>,
    /// Unix time in milliseconds when it expires.
    pub expires_at_ms: u64,
    /// Delegation hops between the application and this edge.
    pub hop: u32,
    /// The session it is offered to.
    pub to_session_id: String,
    /// That session's application.
    pub to_application_id: String,
}

impl Delegation {
    fn from_wit(offer: wit::DelegationOffer) -> Delegation {
        Delegation {
            id: offer.id,
            scopes: offer.scopes,
            expires_at_ms: offer.expires_at_ms,
            hop: offer.hop,
            to_session_id: offer.to_session_id,
            to_application_id: offer.to_application_id,
        }
    }
}

/// One link of a chain of authority, from a session up to its application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainLink {
    /// The subject: `<zone>/<application>`.
    pub subject: String,
    /// The session.
    pub session_id: String,
    /// The delegation the session holds in the chain, if any.
    pub delegation_id: Option<String>,
    /// The delegation that one was narrowed from, if any.
    pub parent_delegation_id: Option<String>,
    /// Scopes held (`*` for the application's own authority).
    pub scopes: Vec<String>,
    /// Delegation hops from the application.
    pub hop: u32,
}

/// Builds a peer delegation; see [`Caracal::delegate`].
#[derive(Debug)]
#[must_use = "a delegation is offered only by `offer`"]
pub struct DelegateBuilder {
    issuer: Option<Context>,
    request: wit::DelegateRequest,
}

impl DelegateBuilder {
    /// The scopes to offer (each must be held by the issuer).
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.request.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Lifetime in seconds (default 300; 1..=86400).
    pub fn ttl_seconds(mut self, ttl_seconds: u32) -> Self {
        self.request.ttl_seconds = ttl_seconds;
        self
    }

    /// Binds the delegation to a resource (equal to or narrower than the
    /// issuer's).
    pub fn resource_id(mut self, resource_id: impl Into<String>) -> Self {
        self.request.resource_id = Some(resource_id.into());
        self
    }

    /// Bounds on further delegation.
    pub fn constraints(mut self, constraints: DelegationConstraints) -> Self {
        self.request.constraints = constraints.to_wit();
        self
    }

    /// Names which of the issuer's delegations to narrow from (required when
    /// it presents more than one).
    pub fn parent_delegation(mut self, delegation_id: impl Into<String>) -> Self {
        self.request.parent_delegation_id = Some(delegation_id.into());
        self
    }

    /// Offers the delegation. Refused with [`Error::Invalid`] when no
    /// session is bound (the root context cannot delegate), and with
    /// [`Error::Denied`] naming the rule when it would widen authority.
    pub fn offer(self) -> Result<Delegation, Error> {
        let issuer = self.issuer.ok_or_else(no_session)?;
        wit::delegate(issuer.resource(), &self.request)
            .map(Delegation::from_wit)
            .map_err(Error::from_wit)
    }
}

fn no_session() -> Error {
    Error::Invalid(
        "no session is bound: delegation is made from a session, not the root context".into(),
    )
}

fn bound() -> Result<Context, Error> {
    binding::innermost().ok_or_else(no_session)
}

impl Caracal {
    /// Starts offering a narrower slice of the bound session's authority to
    /// another live session, possibly of another application. The bound
    /// session's own context is unchanged; the receiver uses the delegation
    /// only after [`accept_delegation`](Caracal::accept_delegation).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let peer_session_id = String::new();
    /// let caracal = caracal::Caracal::new();
    /// let coordinator = caracal.spawn().label("coordinator").start()?;
    /// let delegation = caracal
    ///     .delegate(&peer_session_id, "support-desk")
    ///     .scopes(["tickets:read"])
    ///     .ttl_seconds(300)
    ///     .offer()?;
    /// println!("offered {}", delegation.id);
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn delegate(
        &self,
        to_session_id: impl Into<String>,
        to_application_id: impl Into<String>,
    ) -> DelegateBuilder {
        DelegateBuilder {
            issuer: binding::innermost(),
            request: wit::DelegateRequest {
                to_session_id: to_session_id.into(),
                to_application_id: to_application_id.into(),
                scopes: Vec::new(),
                ttl_seconds: 300,
                resource_id: None,
                constraints: DelegationConstraints::default().to_wit(),
                parent_delegation_id: None,
            },
        }
    }

    /// Delegations offered to the bound session and not yet accepted.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let caracal = caracal::Caracal::new();
    /// let peer = caracal.spawn().label("peer").start()?;
    /// for offer in caracal.pending_delegations()? {
    ///     println!("{} offers {:?}", offer.id, offer.scopes);
    /// }
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn pending_delegations(&self) -> Result<Vec<Delegation>, Error> {
        let receiver = bound()?;
        wit::pending_offers(receiver.resource())
            .map(|offers| offers.into_iter().map(Delegation::from_wit).collect())
            .map_err(Error::from_wit)
    }

    /// Accepts a delegation offered to the bound session: returns a new
    /// session, a child of the bound one, that presents the delegation
    /// (hop + 1) and is bound as the innermost context.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let delegation_id = String::new();
    /// let caracal = caracal::Caracal::new();
    /// let peer = caracal.spawn().label("peer").start()?;
    /// let delegated = caracal.accept_delegation(&delegation_id)?;
    /// let headers = delegated.headers()?; // presents the delegation
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn accept_delegation(&self, delegation_id: impl AsRef<str>) -> Result<Session, Error> {
        let receiver = bound()?;
        wit::accept(receiver.resource(), delegation_id.as_ref())
            .map(Session::bind_new)
            .map_err(Error::from_wit)
    }

    /// Revokes a delegation the bound session issued (or one downstream of
    /// it), with every delegation and session derived from it. Takes effect
    /// at once: the next call under it is denied. Returns the delegation
    /// ids revoked.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let delegation_id = String::new();
    /// let caracal = caracal::Caracal::new();
    /// let coordinator = caracal.spawn().start()?;
    /// let revoked = caracal.revoke_delegation(&delegation_id)?;
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn revoke_delegation(&self, delegation_id: impl AsRef<str>) -> Result<Vec<String>, Error> {
        let by = bound()?;
        wit::revoke(by.resource(), delegation_id.as_ref()).map_err(Error::from_wit)
    }

    /// The chain of authority behind the bound session: the session first,
    /// then each delegation up to the application.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let caracal = caracal::Caracal::new();
    /// let session = caracal.spawn().start()?;
    /// for link in caracal.describe_authority()? {
    ///     println!("{} {} {:?}", link.subject, link.session_id, link.delegation_id);
    /// }
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn describe_authority(&self) -> Result<Vec<ChainLink>, Error> {
        let of = bound()?;
        wit::describe_authority(of.resource())
            .map(|links| {
                links
                    .into_iter()
                    .map(|link| ChainLink {
                        subject: format!("{}/{}", link.zone_id, link.application_id),
                        session_id: link.session_id,
                        delegation_id: link.delegation_id,
                        parent_delegation_id: link.parent_delegation_id,
                        scopes: link.scopes,
                        hop: link.hop,
                    })
                    .collect()
            })
            .map_err(Error::from_wit)
    }
}
