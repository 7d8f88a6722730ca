//! Conversions between the WIT types and the authority engine's.

use crate::bindings::types as wit;
use caracal_authority as authority;

pub(super) fn spawn_request(options: wit::SpawnOptions) -> authority::SpawnRequest {
    authority::SpawnRequest {
        lifecycle: authority::Lifecycle::Task,
        labels: options.labels,
        grant: grant(options.grant),
        ttl_seconds: options.ttl_seconds,
    }
}

pub(super) fn service_request(options: wit::ServiceOptions) -> authority::SpawnRequest {
    authority::SpawnRequest {
        lifecycle: authority::Lifecycle::Service,
        labels: options.labels,
        grant: grant(options.grant),
        ttl_seconds: None,
    }
}

fn grant(grant: wit::Grant) -> authority::Grant {
    match grant {
        wit::Grant::Inherit => authority::Grant::Inherit,
        wit::Grant::None => authority::Grant::None,
        wit::Grant::Narrow(narrow) => authority::Grant::Narrow(authority::NarrowGrant {
            scopes: narrow.scopes,
            resource_id: narrow.resource_id,
            ttl_seconds: narrow.ttl_seconds,
            constraints: authority::DelegationConstraints {
                max_hops: narrow.constraints.max_hops,
                budget: narrow.constraints.budget,
                resources: narrow.constraints.resources,
                ttl_seconds: narrow.constraints.ttl_seconds,
                max_calls: narrow.constraints.max_calls,
            },
        }),
    }
}

pub(super) fn status(status: authority::SessionStatus) -> wit::SessionStatus {
    match status {
        authority::SessionStatus::Active => wit::SessionStatus::Active,
        authority::SessionStatus::Suspended => wit::SessionStatus::Suspended,
        authority::SessionStatus::Terminated => wit::SessionStatus::Terminated,
    }
}

pub(super) fn context(view: &authority::SessionView) -> wit::Context {
    let authority = view.authority.as_ref();
    wit::Context {
        zone_id: view.zone_id.clone(),
        application_id: view.application_id.clone(),
        session_id: (!view.is_root).then(|| view.id.to_string()),
        delegation_id: authority.and_then(|a| a.edge_id.clone()),
        parent_delegation_id: authority.and_then(|a| a.parent_edge_id.clone()),
        trace_id: caracal_envelope::hex_lower(&view.trace_id),
        hop: authority.map_or(0, |a| a.hop),
        labels: view.labels.clone(),
        lifecycle: view.lifecycle.map(|lifecycle| match lifecycle {
            authority::Lifecycle::Task => wit::Lifecycle::Task,
            authority::Lifecycle::Service => wit::Lifecycle::Service,
        }),
        status: status(view.status),
        expires_at_ms: view.expires_at_ms,
        depth: view.depth,
    }
}

pub(super) fn lease(lease: authority::Lease) -> wit::Lease {
    wit::Lease {
        deadline_ms: lease.deadline_ms,
        generation: lease.generation,
        status: status(lease.status),
    }
}
