//! `[[trigger.http]]` entries and the routes they make.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use toml::{Table, Value};

use super::section::{Problems, Section, not_a_table, unsupported};
use super::{HttpRoute, SpinComponent};
use crate::{ManifestProblem, RoutePattern};

/// A `[[trigger.http]]` before cross-checks; `route` is `None` for a
/// private endpoint or a bad entry.
pub(super) struct Trigger {
    location: String,
    route: Option<String>,
    component: Option<String>,
}

pub(super) fn triggers(table: Table, p: &mut Problems) -> Vec<Trigger> {
    let mut triggers = Vec::new();
    for (kind, value) in table {
        let location = format!("trigger.{kind}");
        if kind != "http" {
            p.push(unsupported(location, format!("the `{kind}` trigger")));
            continue;
        }
        let Value::Array(entries) = value else {
            p.push(ManifestProblem::WrongType {
                location,
                key: kind,
                expected: "an array of tables ([[trigger.http]])",
            });
            continue;
        };
        for (i, entry) in entries.into_iter().enumerate() {
            let location = format!("trigger.http[{i}]");
            match entry {
                Value::Table(t) => triggers.push(http_trigger(Section::new(location, t), p)),
                _ => p.push(not_a_table(location, "trigger.http".into())),
            }
        }
    }
    triggers
}

fn http_trigger(mut t: Section, p: &mut Problems) -> Trigger {
    let _id = t.string("id", p); // validated, not used
    let component = match t.take("component") {
        Some(Value::String(id)) => Some(id),
        Some(Value::Table(_)) => {
            let feature = "an inline `component` table (define it as [component.<id>])";
            p.push(t.unsupported_feature(feature.to_owned()));
            None
        }
        Some(_) => t.wrong("component", "a component id string", p),
        None => {
            p.push(t.missing("component"));
            None
        }
    };
    let route = match t.take("route") {
        Some(Value::String(route)) => Some(route),
        Some(Value::Table(private))
            if private.len() == 1 && private.get("private") == Some(&Value::Boolean(true)) =>
        {
            None
        }
        Some(_) => t.wrong("route", "a route string or `{ private = true }`", p),
        None => {
            p.push(t.missing("route"));
            None
        }
    };
    if let Some(executor) = t.table("executor", p) {
        match executor.get("type").and_then(Value::as_str) {
            Some("spin") => {
                let mut spin = Section::new(format!("{} executor", t.location), executor);
                spin.take("type");
                spin.finish(p);
            }
            Some(kind) => p.push(t.unsupported_feature(format!("the `{kind}` executor"))),
            None => p.push(t.missing("executor.type")),
        }
    }
    t.unsupported(&["components", "dependencies"], p);
    let location = t.location.clone();
    t.finish(p);
    Trigger {
        location,
        route,
        component,
    }
}

pub(super) fn routes(
    triggers: Vec<Trigger>,
    base: &str,
    components: &BTreeMap<String, SpinComponent>,
    p: &mut Problems,
) -> Vec<HttpRoute> {
    let mut routes: Vec<HttpRoute> = Vec::new();
    let mut locations = Vec::new();
    for Trigger {
        location,
        route,
        component,
    } in triggers
    {
        if let Some(id) = &component
            && !components.contains_key(id)
        {
            let (location, component) = (location.clone(), id.clone());
            p.push(ManifestProblem::UndefinedComponent {
                location,
                component,
            });
        }
        let (Some(route), Some(component)) = (route, component) else {
            continue;
        };
        match RoutePattern::new(base, &route) {
            Err(source) => p.push(ManifestProblem::InvalidRoute { location, source }),
            Ok(pattern) => {
                routes.push(HttpRoute::new(pattern, component));
                locations.push(location);
            }
        }
    }
    let mut seen = HashMap::new();
    for (route, location) in routes.iter().zip(&locations) {
        match seen.entry(route.pattern.shape()) {
            Entry::Vacant(entry) => drop(entry.insert(location)),
            Entry::Occupied(first) => p.push(ManifestProblem::DuplicateRoute {
                location: location.clone(),
                route: route.pattern.raw().to_owned(),
                first: (*first.get()).clone(),
            }),
        }
    }
    routes
}
