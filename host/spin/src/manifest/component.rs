//! A `[component.<id>]` table and the templates in it.

use std::collections::BTreeMap;
use std::path::Path;

use toml::Value;

use super::section::{Problems, Section};
use super::{SpinComponent, SpinVariable};
use crate::ManifestProblem;
use crate::template::{self, Part};

pub(super) fn component(
    mut c: Section,
    id: &str,
    base_dir: &Path,
    p: &mut Problems,
) -> SpinComponent {
    let source = match c.take("source") {
        Some(Value::String(s)) => base_dir.join(s),
        Some(Value::Table(t)) => {
            let feature = if t.contains_key("url") {
                "a remote `source` (`url`)"
            } else if t.contains_key("registry") || t.contains_key("package") {
                "a registry `source` (`package`)"
            } else {
                "a `source` table"
            };
            p.push(c.unsupported_feature(feature.to_owned()));
            Default::default()
        }
        Some(_) => c.wrong("source", "a path string", p).unwrap_or_default(),
        None => {
            p.push(c.missing("source"));
            Default::default()
        }
    };
    let component = SpinComponent {
        id: id.to_owned(),
        source,
        allowed_outbound_hosts: c.strings("allowed_outbound_hosts", p),
        variables: c.string_map("variables", p),
        environment: c.string_map("environment", p),
        key_value_stores: labels(&mut c, "key_value_stores", p),
        sqlite_databases: labels(&mut c, "sqlite_databases", p),
    };
    if c.take("allowed_http_hosts")
        .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()))
    {
        p.push(
            c.unsupported_feature("`allowed_http_hosts` (use `allowed_outbound_hosts`)".to_owned()),
        );
    }
    const UNSUPPORTED: &[&str] = &["files", "ai_models", "dependencies"];
    c.unsupported(UNSUPPORTED, p);
    const IGNORED: &[&str] = &["build", "description", "exclude_files", "tool", "targets"];
    c.ignore(IGNORED);
    c.ignore(&["profile", "dependencies_inherit_configuration"]);
    c.finish(p);
    component
}

/// A list of store labels, each checked ([`crate::is_store_label`]);
/// duplicates are dropped.
fn labels(c: &mut Section, key: &'static str, p: &mut Problems) -> Vec<String> {
    let mut labels = c.strings(key, p);
    for label in labels.iter().filter(|l| !crate::is_store_label(l)) {
        p.push(ManifestProblem::InvalidLabel {
            location: c.location.clone(),
            key,
            label: label.clone(),
        });
    }
    labels.sort();
    labels.dedup();
    labels
}

pub(super) fn check_templates(
    c: &SpinComponent,
    variables: &BTreeMap<String, SpinVariable>,
    p: &mut Problems,
) {
    let location = format!("component `{}`", c.id);
    for template in c.variables.values().chain(&c.allowed_outbound_hosts) {
        let reason = match template::parse(template) {
            Err(reason) => Some(reason),
            Ok(parts) => parts.into_iter().find_map(|part| match part {
                Part::Var(name) if !variables.contains_key(name) => {
                    Some(format!("no application variable `{name}` in [variables]"))
                }
                _ => None,
            }),
        };
        if let Some(reason) = reason {
            let (location, template) = (location.clone(), template.clone());
            p.push(ManifestProblem::InvalidTemplate {
                location,
                template,
                reason,
            });
        }
    }
    for name in c
        .variables
        .keys()
        .filter(|n| !template::is_variable_name(n))
    {
        p.push(ManifestProblem::InvalidVariable {
            location: location.clone(),
            reason: format!("variable `{name}`: names must be lower_snake_case"),
        });
    }
}
