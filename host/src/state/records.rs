//! Conversions between the engine's durable records
//! ([`DurableSession`], [`DurableEdge`]) and the store's rows
//! ([`SessionRecord`], [`EdgeRecord`]). A session's authority and the
//! edges it presents travel in its `authority_json` column.

use caracal_authority::EdgeKind as DelegationEdgeKind;
use caracal_authority::{
    Authority, DurableEdge, DurableEdgeStage, DurableSession, Lease, Lifecycle, SessionId,
    SessionStatus,
};
use caracal_store::{
    EdgeKind, EdgeRecord, EdgeState, Lifecycle as StoredLifecycle, SessionRecord,
    SessionStatus as StoredStatus, StoreError,
};
use serde::{Deserialize, Serialize};

/// What a session row's `authority_json` holds.
#[derive(Serialize, Deserialize)]
struct SessionAuthority {
    authority: Option<Authority>,
    presents: Vec<String>,
}

/// The row for `session`, owned by `host_id`.
pub(crate) fn session_row(session: &DurableSession, zone_id: &str, host_id: &str) -> SessionRecord {
    SessionRecord {
        id: session.id.to_string(),
        application_id: session.application_id.clone(),
        zone_id: zone_id.to_owned(),
        parent_id: session.parent.as_ref().map(ToString::to_string),
        root_id: session.root.to_string(),
        lifecycle: match session.lifecycle {
            None => StoredLifecycle::Root,
            Some(Lifecycle::Task) => StoredLifecycle::Task,
            Some(Lifecycle::Service) => StoredLifecycle::Service,
        },
        status: stored_status(session.status),
        labels: session.labels.clone(),
        trace_id: hex(&session.trace_id),
        depth: session.depth,
        expires_at_ms: session.expires_at_ms,
        lease_deadline_ms: session.lease.map(|l| l.deadline_ms),
        lease_generation: session.lease.map_or(0, |l| l.generation),
        authority_json: Some(
            serde_json::to_string(&SessionAuthority {
                authority: session.authority.clone(),
                presents: session.presents.clone(),
            })
            .expect("authority serializes"),
        ),
        host_id: host_id.to_owned(),
        created_at_ms: session.created_at_ms,
        ended_at_ms: None,
    }
}

/// The engine's record of a stored session.
pub(crate) fn durable_session(row: &SessionRecord) -> Result<DurableSession, StoreError> {
    let SessionAuthority {
        authority,
        presents,
    } = match &row.authority_json {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| StoreError::Corrupt(format!("session `{}` authority: {e}", row.id)))?,
        None => SessionAuthority {
            authority: None,
            presents: Vec::new(),
        },
    };
    let status = match row.status {
        StoredStatus::Active => SessionStatus::Active,
        StoredStatus::Suspended => SessionStatus::Suspended,
        StoredStatus::Terminated => SessionStatus::Terminated,
    };
    Ok(DurableSession {
        id: SessionId::from(row.id.as_str()),
        parent: row.parent_id.as_deref().map(SessionId::from),
        root: SessionId::from(row.root_id.as_str()),
        application_id: row.application_id.clone(),
        lifecycle: match row.lifecycle {
            StoredLifecycle::Root => None,
            StoredLifecycle::Task => Some(Lifecycle::Task),
            StoredLifecycle::Service => Some(Lifecycle::Service),
        },
        status,
        labels: row.labels.clone(),
        trace_id: unhex(&row.trace_id)
            .ok_or_else(|| StoreError::Corrupt(format!("session `{}` trace id", row.id)))?,
        depth: row.depth,
        expires_at_ms: row.expires_at_ms,
        lease: row.lease_deadline_ms.map(|deadline_ms| Lease {
            deadline_ms,
            generation: row.lease_generation,
            status,
        }),
        authority,
        presents,
        created_at_ms: row.created_at_ms,
    })
}

/// The row for `edge`.
pub(crate) fn edge_row(edge: &DurableEdge) -> EdgeRecord {
    EdgeRecord {
        id: edge.id.clone(),
        kind: match edge.kind {
            DelegationEdgeKind::Narrow => EdgeKind::Narrow,
            DelegationEdgeKind::Peer => EdgeKind::Peer,
        },
        state: match edge.stage {
            DurableEdgeStage::Offered => EdgeState::Offered,
            DurableEdgeStage::Accepted => EdgeState::Accepted,
            DurableEdgeStage::Revoked => EdgeState::Revoked,
        },
        issuer_id: edge.issuer.to_string(),
        issuer_application: edge.issuer_application.clone(),
        receiver_id: edge.receiver.to_string(),
        receiver_application: edge.receiver_application.clone(),
        parent_edge_id: edge.parent_edge.clone(),
        authority_json: serde_json::to_string(&edge.authority).expect("authority serializes"),
        created_at_ms: edge.created_at_ms,
        accepted_at_ms: edge.accepted_at_ms,
        revoked_at_ms: edge.revoked_at_ms,
    }
}

/// The engine's record of a stored edge.
pub(crate) fn durable_edge(row: &EdgeRecord) -> Result<DurableEdge, StoreError> {
    Ok(DurableEdge {
        id: row.id.clone(),
        kind: match row.kind {
            EdgeKind::Narrow => DelegationEdgeKind::Narrow,
            EdgeKind::Peer => DelegationEdgeKind::Peer,
        },
        stage: match row.state {
            EdgeState::Offered => DurableEdgeStage::Offered,
            EdgeState::Accepted => DurableEdgeStage::Accepted,
            EdgeState::Revoked => DurableEdgeStage::Revoked,
        },
        issuer: SessionId::from(row.issuer_id.as_str()),
        issuer_application: row.issuer_application.clone(),
        receiver: SessionId::from(row.receiver_id.as_str()),
        receiver_application: row.receiver_application.clone(),
        parent_edge: row.parent_edge_id.clone(),
        authority: serde_json::from_str(&row.authority_json)
            .map_err(|e| StoreError::Corrupt(format!("edge `{}` authority: {e}", row.id)))?,
        created_at_ms: row.created_at_ms,
        accepted_at_ms: row.accepted_at_ms,
        revoked_at_ms: row.revoked_at_ms,
    })
}

pub(crate) fn stored_status(status: SessionStatus) -> StoredStatus {
    match status {
        SessionStatus::Active => StoredStatus::Active,
        SessionStatus::Suspended => StoredStatus::Suspended,
        SessionStatus::Terminated => StoredStatus::Terminated,
    }
}

fn hex(bytes: &[u8; 16]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    if text.len() != 32 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}
