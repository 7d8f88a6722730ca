//! Write-through to a persister, restore from its records, and changes
//! applied from another host.

use std::sync::{Arc, Mutex};

use caracal_authority::{
    AuthorityError, DurableEdge, DurableSession, Engine, EngineConfig, Grant, ManualClock,
    NarrowGrant, Persister, SessionId, SessionStatus, SpawnRequest, StateChange,
};

use super::T0;

/// Records every change; refuses new sessions while `refuse` is set.
#[derive(Debug, Default)]
struct Recorder {
    changes: Mutex<Vec<StateChange>>,
    refuse: Mutex<Option<AuthorityError>>,
}

impl Recorder {
    fn sessions(&self) -> Vec<DurableSession> {
        let changes = self.changes.lock().unwrap();
        changes
            .iter()
            .filter_map(|c| match c {
                StateChange::SessionCreated(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    fn edges(&self) -> Vec<DurableEdge> {
        let changes = self.changes.lock().unwrap();
        changes
            .iter()
            .filter_map(|c| match c {
                StateChange::EdgeCreated(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    fn take(&self) -> Vec<StateChange> {
        std::mem::take(&mut self.changes.lock().unwrap())
    }
}

impl Persister for Recorder {
    fn persist(&self, changes: &[StateChange]) -> Result<(), AuthorityError> {
        if changes
            .iter()
            .any(|c| matches!(c, StateChange::SessionCreated(_)))
            && let Some(error) = self.refuse.lock().unwrap().clone()
        {
            return Err(error);
        }
        self.changes.lock().unwrap().extend_from_slice(changes);
        Ok(())
    }

    fn renew(&self, _: &SessionId, _: u64, _: u64) -> Result<(), AuthorityError> {
        Ok(())
    }

    fn take_over(&self, _: &SessionId, _: u64, _: u64) -> Result<u64, AuthorityError> {
        Ok(7)
    }

    fn end_fenced(&self, _: &SessionId, _: u64, _: u64) -> Result<(), AuthorityError> {
        Ok(())
    }
}

fn durable_engine(clock: &ManualClock) -> (Engine, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let engine = Engine::new(EngineConfig::default(), Arc::new(clock.clone()))
        .with_persister(recorder.clone());
    (engine, recorder)
}

fn narrow(scopes: &[&str]) -> SpawnRequest {
    SpawnRequest::task().with_grant(Grant::Narrow(NarrowGrant::new(scopes.iter().copied())))
}

#[test]
fn every_change_is_written_in_order_before_the_call_returns() {
    let clock = ManualClock::new(T0);
    let (engine, recorder) = durable_engine(&clock);
    let root = engine.open_root();
    let child = engine.spawn(&root, narrow(&["a"])).unwrap();
    let edge = child.authority.clone().unwrap().edge_id.unwrap();
    let changes = recorder.take();
    assert!(matches!(&changes[0], StateChange::SessionCreated(s) if s.id == root));
    assert!(
        matches!(&changes[1], StateChange::SessionCreated(s) if s.id == child.id && s.root == root && s.presents == [edge.clone()])
    );
    assert!(
        matches!(&changes[2], StateChange::EdgeCreated(e) if e.id == edge && e.receiver == child.id)
    );

    engine.close(&child.id).unwrap();
    assert_eq!(
        recorder.take(),
        [StateChange::Ended {
            sessions: vec![child.id.clone()],
            edges: Vec::new(),
            at_ms: T0,
        }]
    );
    let service = engine.spawn(&root, SpawnRequest::service()).unwrap().id;
    recorder.take();
    assert_eq!(
        engine.attach(&service).unwrap().generation,
        7,
        "the store's generation"
    );
}

#[test]
fn a_spawn_the_store_refuses_leaves_nothing_behind() {
    let clock = ManualClock::new(T0);
    let (engine, recorder) = durable_engine(&clock);
    let root = engine.open_root();
    let parent = engine.spawn(&root, SpawnRequest::task()).unwrap().id;
    *recorder.refuse.lock().unwrap() = Some(AuthorityError::Limit("another host won".into()));
    let refused = engine.spawn(&parent, narrow(&["a"]));
    assert_eq!(refused.unwrap_err().kind(), "limit");
    assert_eq!(engine.live_children(&parent), 0);
    assert!(
        engine.snapshot().edges.is_empty(),
        "the refused child's edge is gone"
    );
    *recorder.refuse.lock().unwrap() = None;
    engine.spawn(&parent, narrow(&["a"])).unwrap();
    assert_eq!(engine.live_children(&parent), 1);
}

#[test]
fn a_restored_engine_enforces_what_was_written() {
    let clock = ManualClock::new(T0);
    let (first, recorder) = durable_engine(&clock);
    let root = first.open_root();
    let worker = first.spawn(&root, narrow(&["a", "b"])).unwrap();
    let edge = worker.authority.clone().unwrap().edge_id.unwrap();
    let child = first.spawn(&worker.id, SpawnRequest::task()).unwrap().id;
    let service = first.spawn(&root, SpawnRequest::service()).unwrap().id;

    clock.advance(std::time::Duration::from_secs(25));
    let (second, _) = durable_engine(&clock);
    let report = second.restore(recorder.sessions(), recorder.edges(), |_| true);
    assert_eq!((report.sessions, report.edges), (4, 1));
    assert!(report.orphans.is_empty());
    let view = second.view(&child).unwrap();
    assert_eq!(
        view.authority, worker.authority,
        "the child inherits the edge"
    );

    // A local service gets a fresh lease period to be re-attached.
    clock.advance(std::time::Duration::from_secs(10));
    assert_eq!(second.status(&service).unwrap(), SessionStatus::Active);

    // Revoking the restored edge takes down its holder and the subtree.
    let impact = second.revoke_as_admin(&edge).unwrap();
    assert_eq!(impact.sessions, [worker.id.clone(), child.clone()]);
}

#[test]
fn remote_changes_apply_and_remote_leases_are_not_swept_here() {
    let clock = ManualClock::new(T0);
    let (writer, recorder) = durable_engine(&clock);
    let root = writer.open_root();
    let service = writer.spawn(&root, SpawnRequest::service()).unwrap().id;
    let task = writer.spawn(&service, SpawnRequest::task()).unwrap().id;

    let (reader, written) = durable_engine(&clock);
    reader.apply_remote(recorder.take());
    assert!(reader.check_live(&task).is_ok());
    clock.advance(std::time::Duration::from_secs(120));
    assert!(
        reader.check_live(&service).is_ok(),
        "another host renews the lease of a remote service"
    );
    written.take();

    reader.apply_remote(vec![StateChange::Ended {
        sessions: vec![service.clone()],
        edges: Vec::new(),
        at_ms: T0,
    }]);
    assert_eq!(reader.status(&task).unwrap(), SessionStatus::Terminated);
    // Applying it twice does nothing more.
    reader.apply_remote(vec![StateChange::Ended {
        sessions: vec![service],
        edges: Vec::new(),
        at_ms: T0,
    }]);
    let echoed = written.take();
    assert_eq!(
        echoed.len(),
        1,
        "the cascade is written back once: {echoed:?}"
    );
}

#[test]
fn a_remote_session_arriving_before_its_edge_holds_no_authority_until_the_edge_does() {
    let clock = ManualClock::new(T0);
    let (writer, recorder) = durable_engine(&clock);
    let root = writer.open_root();
    let mut grant = NarrowGrant::new(["x:read"]);
    grant.constraints.max_calls = Some(1);
    let worker = writer
        .spawn(&root, SpawnRequest::task().with_grant(Grant::Narrow(grant)))
        .unwrap()
        .id;

    // The feed delivers the root, then the worker, then (later) its edge.
    let changes = recorder.take();
    let (edges, sessions): (Vec<_>, Vec<_>) = changes
        .into_iter()
        .partition(|c| matches!(c, StateChange::EdgeCreated(_)));
    let (reader, _) = durable_engine(&clock);
    reader.apply_remote(sessions);
    assert!(reader.check_live(&worker).is_ok());
    assert_eq!(
        reader.view(&worker).unwrap().authority,
        None,
        "no authority while its edge is missing"
    );

    reader.apply_remote(edges);
    let authority = reader.view(&worker).unwrap().authority.unwrap();
    assert!(authority.scopes.contains("x:read"));
    assert_eq!(
        reader.meter_call(&worker).unwrap(),
        1,
        "the edge is metered"
    );
    assert!(reader.meter_call(&worker).is_err());
}

#[test]
fn a_remote_session_that_ended_waiting_for_its_edge_is_forgotten_in_time() {
    let clock = ManualClock::new(T0);
    let (writer, recorder) = durable_engine(&clock);
    let root = writer.open_root();
    let worker = writer.spawn(&root, narrow(&["x:read"])).unwrap().id;
    let sessions: Vec<StateChange> = recorder
        .take()
        .into_iter()
        .filter(|c| !matches!(c, StateChange::EdgeCreated(_)))
        .collect();
    let (reader, _) = durable_engine(&clock);
    reader.apply_remote(sessions);
    reader.apply_remote(vec![StateChange::Ended {
        sessions: vec![worker.clone()],
        edges: Vec::new(),
        at_ms: T0,
    }]);
    clock.advance(std::time::Duration::from_secs(3600));
    let compaction = reader.compact(std::time::Duration::from_secs(600));
    assert_eq!(compaction.sessions, 1);
    assert!(matches!(
        reader.status(&worker),
        Err(AuthorityError::NotFound(_))
    ));
}
