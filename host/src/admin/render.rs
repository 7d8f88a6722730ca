//! Pictures of a [`Snapshot`]: a terminal tree, Graphviz `dot` and Mermaid.

use super::model::{SessionRecord, Snapshot};
use std::collections::HashMap;
use std::fmt::Write as _;

/// The session tree as terminal lines: each context with its lifecycle,
/// status, labels and scopes; children indented under their parent.
pub fn tree(snapshot: &Snapshot) -> String {
    let children = children_of(snapshot);
    let mut out = String::new();
    for root in roots(snapshot) {
        let _ = writeln!(out, "{}", describe(root));
        draw(&mut out, &children, &root.id, "");
    }
    if out.is_empty() {
        out.push_str("(no sessions)\n");
    }
    out
}

fn draw(out: &mut String, children: &HashMap<&str, Vec<&SessionRecord>>, id: &str, indent: &str) {
    let Some(kids) = children.get(id) else {
        return;
    };
    for (i, child) in kids.iter().enumerate() {
        let last = i + 1 == kids.len();
        let (branch, next) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        let _ = writeln!(out, "{indent}{branch}{}", describe(child));
        draw(out, children, &child.id, &format!("{indent}{next}"));
    }
}

/// One line for a context.
fn describe(session: &SessionRecord) -> String {
    if session.is_root {
        return format!(
            "application {} (root {}) {}",
            session.application, session.id, session.status
        );
    }
    let mut line = format!(
        "{} {} {}",
        session.id,
        session.lifecycle.as_deref().unwrap_or("task"),
        session.status
    );
    if !session.labels.is_empty() {
        let _ = write!(line, " [{}]", session.labels.join(", "));
    }
    let _ = write!(line, " scopes: {}", scopes(session));
    if let Some(resource) = &session.resource_id {
        let _ = write!(line, " on {resource}");
    }
    line
}

fn scopes(session: &SessionRecord) -> String {
    if session.scopes.is_empty() {
        "none".into()
    } else {
        session.scopes.join(",")
    }
}

/// A Graphviz digraph: boxes for contexts (dashed when suspended, grey when
/// terminated), solid arrows parent → child, dashed arrows issuer →
/// receiver for delegations labelled with their scopes.
pub fn dot(snapshot: &Snapshot) -> String {
    let mut out = String::from(
        "digraph caracal {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    for session in &snapshot.sessions {
        let style = match session.status.as_str() {
            "suspended" => ", style=dashed",
            "terminated" => ", style=filled, fillcolor=lightgrey",
            _ => "",
        };
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\"{style}];",
            session.id,
            dot_escape(&label(session))
        );
    }
    for session in &snapshot.sessions {
        if let Some(parent) = &session.parent {
            let _ = writeln!(out, "  \"{parent}\" -> \"{}\";", session.id);
        }
    }
    for edge in &snapshot.delegations {
        let color = if edge.state == "revoked" {
            "red"
        } else {
            "blue"
        };
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\" [style=dashed, color={color}, label=\"{}\"];",
            edge.issuer,
            edge.receiver,
            dot_escape(&format!("{} ({})", edge.scopes.join(","), edge.state))
        );
    }
    out.push_str("}\n");
    out
}

/// A Mermaid flowchart with the same content as [`dot`].
pub fn mermaid(snapshot: &Snapshot) -> String {
    let ids: HashMap<&str, String> = snapshot
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), format!("s{i}")))
        .collect();
    let mut out = String::from("flowchart TD\n");
    for session in &snapshot.sessions {
        let _ = writeln!(
            out,
            "  {}[\"{}\"]",
            ids[session.id.as_str()],
            mermaid_escape(&label(session))
        );
    }
    for session in &snapshot.sessions {
        if let Some(parent) = session.parent.as_deref().and_then(|p| ids.get(p)) {
            let _ = writeln!(out, "  {parent} --> {}", ids[session.id.as_str()]);
        }
    }
    for edge in &snapshot.delegations {
        if let (Some(from), Some(to)) = (
            ids.get(edge.issuer.as_str()),
            ids.get(edge.receiver.as_str()),
        ) {
            let _ = writeln!(
                out,
                "  {from} -.->|\"{}\"| {to}",
                mermaid_escape(&format!("{} ({})", edge.scopes.join(","), edge.state))
            );
        }
    }
    out
}

/// A multi-line node label.
fn label(session: &SessionRecord) -> String {
    if session.is_root {
        return format!(
            "application {}\n{}",
            session.application,
            short(&session.id)
        );
    }
    let mut text = format!(
        "{} {} {}",
        short(&session.id),
        session.lifecycle.as_deref().unwrap_or("task"),
        session.status
    );
    if !session.labels.is_empty() {
        let _ = write!(text, "\n[{}]", session.labels.join(", "));
    }
    let _ = write!(text, "\nscopes: {}", scopes(session));
    text
}

/// The last 12 characters of a UUID: enough to tell siblings apart.
fn short(id: &str) -> &str {
    &id[id.len().saturating_sub(12)..]
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn mermaid_escape(text: &str) -> String {
    text.replace('"', "#quot;").replace('\n', "<br/>")
}

fn roots(snapshot: &Snapshot) -> Vec<&SessionRecord> {
    let known: std::collections::HashSet<&str> =
        snapshot.sessions.iter().map(|s| s.id.as_str()).collect();
    snapshot
        .sessions
        .iter()
        .filter(|s| s.parent.as_deref().is_none_or(|p| !known.contains(p)))
        .collect()
}

fn children_of(snapshot: &Snapshot) -> HashMap<&str, Vec<&SessionRecord>> {
    let mut children: HashMap<&str, Vec<&SessionRecord>> = HashMap::new();
    for session in &snapshot.sessions {
        if let Some(parent) = &session.parent {
            children.entry(parent.as_str()).or_default().push(session);
        }
    }
    children
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::model::DelegationRecord;

    fn session(id: &str, parent: Option<&str>, labels: &[&str], scopes: &[&str]) -> SessionRecord {
        SessionRecord {
            id: id.into(),
            parent: parent.map(String::from),
            is_root: parent.is_none(),
            application: "default".into(),
            lifecycle: parent.map(|_| "task".into()),
            status: "active".into(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            depth: 0,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            resource_id: None,
            delegation_id: None,
            expires_at_ms: None,
            lease_deadline_ms: None,
        }
    }

    fn sample() -> Snapshot {
        let mut worker = session("w", Some("r"), &["worker"], &["q:consume"]);
        worker.lifecycle = Some("service".into());
        worker.status = "suspended".into();
        Snapshot {
            sessions: vec![
                session("r", None, &[], &["*"]),
                session("a", Some("r"), &["triage"], &["t:read", "t:write"]),
                session("b", Some("a"), &["child"], &["t:read"]),
                worker,
            ],
            delegations: vec![DelegationRecord {
                id: "e".into(),
                issuer: "a".into(),
                receiver: "w".into(),
                receiver_application: "other".into(),
                parent: None,
                scopes: vec!["t:read".into()],
                resource_id: None,
                expires_at_ms: None,
                state: "accepted".into(),
            }],
        }
    }

    #[test]
    fn the_tree_nests_children_under_parents() {
        assert_eq!(
            tree(&sample()),
            "application default (root r) active\n\
             ├── a task active [triage] scopes: t:read,t:write\n\
             │   └── b task active [child] scopes: t:read\n\
             └── w service suspended [worker] scopes: q:consume\n"
        );
        assert_eq!(tree(&Snapshot::default()), "(no sessions)\n");
    }

    #[test]
    fn dot_has_a_node_per_context_and_both_kinds_of_edge() {
        let dot = dot(&sample());
        assert!(dot.starts_with("digraph caracal {"));
        assert_eq!(dot.matches(" [label=").count(), 4);
        assert!(dot.contains("\"a\" -> \"b\";"));
        assert!(
            dot.contains("\"a\" -> \"w\" [style=dashed, color=blue, label=\"t:read (accepted)\"];")
        );
        assert!(
            dot.contains("style=dashed];"),
            "suspended nodes are dashed: {dot}"
        );
        assert!(dot.trim_end().ends_with('}'));
    }

    #[test]
    fn mermaid_uses_safe_node_ids() {
        let chart = mermaid(&sample());
        assert!(chart.starts_with("flowchart TD\n"));
        assert!(chart.contains("  s1 --> s2\n"));
        assert!(chart.contains("  s1 -.->|\"t:read (accepted)\"| s3\n"));
        assert!(chart.contains("<br/>"));
    }
}
