//! Spin's `{{ name }}` templates over application variables.
//!
//! As in Spin, `{{` opens an expression that runs to the next `}}`; the
//! expression, trimmed, is an application variable name. Anything else is
//! literal text. An unclosed `{{` is an error.

use std::collections::BTreeMap;

use crate::SpinVariable;

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part<'a> {
    /// Literal text.
    Lit(&'a str),
    /// An application variable reference.
    Var(&'a str),
}

/// Splits a template into parts, or says why it is malformed.
pub(crate) fn parse(template: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{{") {
            let (expr, tail) = after
                .split_once("}}")
                .ok_or_else(|| "unmatched `{{`".to_owned())?;
            let name = expr.trim();
            if !is_variable_name(name) {
                return Err(format!(
                    "`{name}` is not a variable name (lower_snake_case)"
                ));
            }
            parts.push(Part::Var(name));
            rest = tail;
        } else {
            let end = rest.find("{{").unwrap_or(rest.len());
            parts.push(Part::Lit(&rest[..end]));
            rest = &rest[end..];
        }
    }
    Ok(parts)
}

/// True for Spin's variable names: a lowercase ASCII letter, then lowercase
/// letters, digits and underscores.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Renders templates, asking `lookup` first and falling back to the
/// declared defaults; each variable is looked up once. Variables with no
/// value are collected rather than failing at the first.
pub(crate) struct Renderer<'a, F> {
    pub(crate) variables: &'a BTreeMap<String, SpinVariable>,
    pub(crate) lookup: F,
    pub(crate) values: BTreeMap<String, Option<String>>,
    pub(crate) missing: Vec<String>,
}

impl<F: Fn(&str) -> Option<String>> Renderer<'_, F> {
    /// Renders one template; a malformed template (rejected at load, so
    /// only possible for hand-built apps) is returned as written.
    pub(crate) fn render(&mut self, template: &str) -> String {
        let Ok(parts) = parse(template) else {
            return template.to_owned();
        };
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Lit(text) => out.push_str(text),
                Part::Var(name) => out.push_str(self.value(name).unwrap_or_default().as_str()),
            }
        }
        out
    }

    fn value(&mut self, name: &str) -> Option<String> {
        if !self.values.contains_key(name) {
            let value = (self.lookup)(name).or_else(|| self.variables.get(name)?.default.clone());
            if value.is_none() {
                self.missing.push(name.to_owned());
            }
            self.values.insert(name.to_owned(), value);
        }
        self.values[name].clone()
    }
}
