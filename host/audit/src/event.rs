//! What the host asks to have recorded: [`AuditEvent`].

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// What happened. Serialized in `snake_case` (`lease_lost`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A session was spawned.
    Spawn,
    /// A session was closed by its holder.
    Close,
    /// A delegation edge was created.
    Delegate,
    /// A peer delegation was accepted by its receiver.
    Accept,
    /// A delegation (and what depends on it) was revoked.
    Revoke,
    /// A session (and its subtree) was suspended.
    Suspend,
    /// A suspended session was resumed.
    Resume,
    /// A service session's lease lapsed.
    LeaseLost,
    /// An outbound HTTP request was allowed or denied.
    Outbound,
    /// A component bound (attached to) an existing session.
    Attach,
    /// A task session's TTL ran out and it was swept.
    Expire,
    /// A component read or wrote one of Spin's data stores (a key-value
    /// store, a SQLite database), or was refused one.
    Storage,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 12] = [
        EventKind::Spawn,
        EventKind::Close,
        EventKind::Delegate,
        EventKind::Accept,
        EventKind::Revoke,
        EventKind::Suspend,
        EventKind::Resume,
        EventKind::LeaseLost,
        EventKind::Outbound,
        EventKind::Attach,
        EventKind::Expire,
        EventKind::Storage,
    ];

    /// The `snake_case` name, identical to the serialized form; also the
    /// form that goes into the canonical hash encoding.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Spawn => "spawn",
            EventKind::Close => "close",
            EventKind::Delegate => "delegate",
            EventKind::Accept => "accept",
            EventKind::Revoke => "revoke",
            EventKind::Suspend => "suspend",
            EventKind::Resume => "resume",
            EventKind::LeaseLost => "lease_lost",
            EventKind::Outbound => "outbound",
            EventKind::Attach => "attach",
            EventKind::Expire => "expire",
            EventKind::Storage => "storage",
        }
    }
}

/// The outcome of a decision (policy, authority or outbound check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The action was allowed.
    Allow,
    /// The action was denied.
    Deny,
}

impl Decision {
    /// `"allow"` or `"deny"`, identical to the serialized form.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
        }
    }
}

/// One thing the host wants recorded. Sealing it into a chain
/// ([`Chain::seal`](crate::Chain::seal), [`AuditLog::append`](crate::AuditLog::append))
/// makes it an [`AuditRecord`](crate::AuditRecord).
///
/// Every field is part of the record hash (see
/// [`canonical_bytes`](crate::canonical_bytes)), so adding a field is a
/// format change. In JSON, absent options and empty collections are left
/// out, and unknown fields are refused (an added field would otherwise be
/// unhashed and invisible to verification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    /// What happened.
    pub kind: EventKind,
    /// When, in milliseconds since the Unix epoch (UTC).
    pub time_ms: u64,
    /// Trace id correlating the records of one request or operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// The session concerned (the caller's, for outbound calls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The application the session belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// The session's descriptive labels, in their given order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Allow or deny, for events that are decisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Why (a denial reason, a close reason, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The resource an authority or call concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// The delegation edge concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_id: Option<String>,
    /// The other party: a child or peer session, a receiver application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// HTTP method of an outbound call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// URL of an outbound call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Anything else, as string pairs. A `BTreeMap`, so its order (and so
    /// the hash) does not depend on insertion order.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub detail: BTreeMap<String, String>,
}

impl AuditEvent {
    /// An event of `kind` at `time_ms` with every other field empty.
    pub fn new(kind: EventKind, time_ms: u64) -> Self {
        AuditEvent {
            kind,
            time_ms,
            trace_id: None,
            session_id: None,
            application_id: None,
            labels: Vec::new(),
            decision: None,
            reason: None,
            resource_id: None,
            delegation_id: None,
            target: None,
            method: None,
            url: None,
            detail: BTreeMap::new(),
        }
    }

    /// An event of `kind` stamped with the system clock.
    pub fn now(kind: EventKind) -> Self {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Self::new(kind, ms)
    }

    /// Sets the `trace_id` field.
    #[must_use]
    pub fn trace(mut self, id: impl Into<String>) -> Self {
        self.trace_id = Some(id.into());
        self
    }

    /// Sets the `session_id` field.
    #[must_use]
    pub fn session(mut self, id: impl Into<String>) -> Self {
        self.session_id = Some(id.into());
        self
    }

    /// Sets the `application_id` field.
    #[must_use]
    pub fn application(mut self, id: impl Into<String>) -> Self {
        self.application_id = Some(id.into());
        self
    }

    /// Sets the `labels` field.
    #[must_use]
    pub fn labels(mut self, labels: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the `decision` field.
    #[must_use]
    pub fn decision(mut self, decision: Decision) -> Self {
        self.decision = Some(decision);
        self
    }

    /// Sets the `reason` field.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Sets the `resource_id` field.
    #[must_use]
    pub fn resource(mut self, id: impl Into<String>) -> Self {
        self.resource_id = Some(id.into());
        self
    }

    /// Sets the `delegation_id` field.
    #[must_use]
    pub fn delegation(mut self, id: impl Into<String>) -> Self {
        self.delegation_id = Some(id.into());
        self
    }

    /// Sets the `target` field.
    #[must_use]
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Sets the `method` and `url` fields of an outbound call.
    #[must_use]
    pub fn request(mut self, method: impl Into<String>, url: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self.url = Some(url.into());
        self
    }

    /// Adds one `detail` entry (replacing one with the same key).
    #[must_use]
    pub fn detail(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.detail.insert(key.into(), value.into());
        self
    }
}
