//! `render_line` and `render_json`.

use caracal_audit::{AuditEvent, Chain, Decision, EventKind, render_json, render_line};

#[test]
fn readable_line_has_every_present_field_in_order() {
    let event = AuditEvent::new(EventKind::Outbound, 1_795_874_587_123)
        .session("s-1")
        .application("billing")
        .target("svc")
        .delegation("d-1")
        .resource("r-1")
        .request("POST", "https://api.example/v1?a=b")
        .labels(["a", "b"])
        .trace("t-1")
        .decision(Decision::Deny)
        .detail("hops", "2")
        .reason("scope not granted");
    let record = Chain::resume(Some((41, "0".repeat(64)))).seal(event);
    assert_eq!(
        render_line(&record),
        "2026-11-28T14:03:07.123Z #42 outbound deny session=s-1 app=billing target=svc \
         delegation=d-1 resource=r-1 method=POST url=https://api.example/v1?a=b labels=a,b \
         trace=t-1 hops=2 reason=\"scope not granted\""
    );
}

#[test]
fn readable_line_is_one_line_whatever_the_values() {
    let event = AuditEvent::new(EventKind::Spawn, 0)
        .session("s\n1970-01-01T00:00:00.000Z #2 close")
        .labels(["x,y", "z"])
        .detail("a=b", "")
        .reason("\"quoted\"");
    let line = render_line(&Chain::new().seal(event));
    assert!(!line.contains('\n'), "{line}");
    assert_eq!(
        line,
        "1970-01-01T00:00:00.000Z #1 spawn session=\"s\\n1970-01-01T00:00:00.000Z #2 close\" \
         labels=[\"x,y\", \"z\"] \"a=b\"=\"\" reason=\"\\\"quoted\\\"\""
    );
}

#[test]
fn json_is_the_file_line() {
    let record = Chain::new().seal(crate::event(3));
    let json = render_json(&record);
    assert!(!json.contains('\n'));
    assert_eq!(
        serde_json::from_str::<caracal_audit::AuditRecord>(&json).unwrap(),
        record
    );
    assert!(json.starts_with("{\"seq\":1,\"prev\":\"0000"), "{json}");
}
