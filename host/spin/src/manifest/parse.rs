//! Walks the manifest table section by section, collecting every problem.

use std::collections::BTreeMap;
use std::path::Path;

use toml::{Table, Value};

use super::component::{check_templates, component};
use super::section::{Problems, Section, not_a_table, unsupported};
use super::trigger::{routes, triggers};
use super::{SpinApp, SpinVariable};
use crate::{ManifestProblem, template};

pub(super) fn app(table: Table, base_dir: &Path) -> Result<SpinApp, Problems> {
    let mut p = Problems::new();
    let mut top = Section::new("top level", table);
    match top.take("spin_manifest_version") {
        Some(Value::Integer(2)) => {}
        other => {
            let found = match (other, top.take("spin_version")) {
                (Some(v), _) | (None, Some(v)) => v.to_string(),
                (None, None) => "nothing".to_owned(),
            };
            return Err(vec![ManifestProblem::Version { found }]);
        }
    }

    let has_application = top.has("application");
    if !has_application {
        p.push(top.missing("application"));
    }
    let application = top.table("application", &mut p).unwrap_or_default();
    let mut application = Section::new("[application]", application);
    let name = has_application
        .then(|| application.required_string("name", &mut p))
        .flatten();
    let version = application.string("version", &mut p);
    let description = application.string("description", &mut p);
    let authors = application.strings("authors", &mut p);
    let base = trigger_settings(&mut application, &mut p);
    application.ignore(&["targets", "tool"]);
    application.finish(&mut p);

    let variables = variables(top.table("variables", &mut p).unwrap_or_default(), &mut p);
    let mut components = BTreeMap::new();
    for (id, value) in top.table("component", &mut p).unwrap_or_default() {
        let location = format!("component `{id}`");
        match value {
            Value::Table(t) => {
                let component = component(Section::new(location, t), &id, base_dir, &mut p);
                components.insert(id, component);
            }
            _ => p.push(not_a_table(location, id)),
        }
    }
    let triggers = triggers(top.table("trigger", &mut p).unwrap_or_default(), &mut p);
    top.finish(&mut p);

    for component in components.values() {
        check_templates(component, &variables, &mut p);
    }
    let routes = routes(triggers, &base, &components, &mut p);
    if routes.is_empty() && p.is_empty() {
        p.push(ManifestProblem::NoHttpRoutes);
    }
    match (p.is_empty(), name) {
        (true, Some(name)) => Ok(SpinApp {
            name,
            version,
            description,
            authors,
            base,
            routes,
            components,
            variables,
        }),
        _ => Err(p),
    }
}

/// `[application.trigger.*]`: the HTTP `base`; other trigger types' settings
/// are unsupported.
fn trigger_settings(application: &mut Section, p: &mut Problems) -> String {
    let mut base = None;
    for (kind, value) in application.table("trigger", p).unwrap_or_default() {
        let location = format!("[application.trigger.{kind}]");
        match (kind.as_str(), value) {
            ("http", Value::Table(t)) => {
                let mut http = Section::new(location, t);
                base = http.string("base", p);
                http.finish(p);
            }
            ("http", _) => p.push(not_a_table(location, kind)),
            (_, _) => p.push(unsupported(location, format!("the `{kind}` trigger"))),
        }
    }
    base.unwrap_or_else(|| "/".to_owned())
}

fn variables(table: Table, p: &mut Problems) -> BTreeMap<String, SpinVariable> {
    let mut variables = BTreeMap::new();
    for (name, value) in table {
        let location = format!("variable `{name}`");
        let invalid = |reason: &str| ManifestProblem::InvalidVariable {
            location: location.clone(),
            reason: reason.to_owned(),
        };
        if !template::is_variable_name(&name) {
            p.push(invalid(
                "names must be lower_snake_case (a-z, 0-9, `_`, starting with a letter)",
            ));
        }
        let Value::Table(t) = value else {
            p.push(invalid(
                "must be a table such as `{ default = \"…\" }` or `{ required = true }`",
            ));
            continue;
        };
        let mut v = Section::new(location.clone(), t);
        let variable = SpinVariable {
            default: v.string("default", p),
            required: v.bool("required", p),
            secret: v.bool("secret", p),
            description: v.string("description", p),
        };
        v.finish(p);
        match (variable.required, &variable.default) {
            (true, Some(_)) => p.push(invalid("a required variable cannot have a `default`")),
            (false, None) => p.push(invalid("needs a `default` or `required = true`")),
            _ => {}
        }
        variables.insert(name, variable);
    }
    variables
}
