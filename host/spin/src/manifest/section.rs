//! A TOML table being read key by key, recording one problem per bad key.

use std::collections::BTreeMap;

use toml::{Table, Value};

use crate::ManifestProblem;

/// The problems found so far.
pub(super) type Problems = Vec<ManifestProblem>;

/// A table and where it is (for messages). Keys are removed as they are
/// read; [`Section::finish`] reports the rest as unknown.
pub(super) struct Section {
    pub(super) location: String,
    table: Table,
}

impl Section {
    pub(super) fn new(location: impl Into<String>, table: Table) -> Section {
        Section {
            location: location.into(),
            table,
        }
    }

    /// True if the key is (still) present.
    pub(super) fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    /// Removes and returns a key's raw value.
    pub(super) fn take(&mut self, key: &str) -> Option<Value> {
        self.table.remove(key)
    }

    /// An optional string.
    pub(super) fn string(&mut self, key: &str, p: &mut Problems) -> Option<String> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            _ => self.wrong(key, "a string", p),
        }
    }

    /// A string that must be present.
    pub(super) fn required_string(&mut self, key: &str, p: &mut Problems) -> Option<String> {
        if !self.has(key) {
            p.push(self.missing(key));
        }
        self.string(key, p)
    }

    /// An optional boolean (absent is `false`).
    pub(super) fn bool(&mut self, key: &str, p: &mut Problems) -> bool {
        match self.take(key) {
            None => false,
            Some(Value::Boolean(b)) => b,
            Some(_) => self.wrong(key, "true or false", p).unwrap_or(false),
        }
    }

    /// An optional array of strings (absent is empty).
    pub(super) fn strings(&mut self, key: &str, p: &mut Problems) -> Vec<String> {
        let Some(value) = self.take(key) else {
            return Vec::new();
        };
        let strings = value.as_array().and_then(|items| {
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect()
        });
        strings
            .or_else(|| self.wrong(key, "an array of strings", p))
            .unwrap_or_default()
    }

    /// An optional table of strings (absent is empty).
    pub(super) fn string_map(&mut self, key: &str, p: &mut Problems) -> BTreeMap<String, String> {
        let Some(value) = self.take(key) else {
            return BTreeMap::new();
        };
        let map = value.as_table().and_then(|table| {
            table
                .iter()
                .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        });
        map.or_else(|| self.wrong(key, "a table of strings", p))
            .unwrap_or_default()
    }

    /// An optional sub-table.
    pub(super) fn table(&mut self, key: &str, p: &mut Problems) -> Option<Table> {
        match self.take(key)? {
            Value::Table(t) => Some(t),
            _ => self.wrong(key, "a table", p),
        }
    }

    /// Drops keys `caracal-host serve` accepts but does not use.
    pub(super) fn ignore(&mut self, keys: &[&str]) {
        keys.iter().for_each(|k| drop(self.take(k)));
    }

    /// Reports each key that is present with a non-empty value as an
    /// unsupported feature (an empty list or table asks for nothing).
    pub(super) fn unsupported(&mut self, keys: &[&str], p: &mut Problems) {
        for key in keys {
            if self.take(key).is_some_and(|v| !is_empty(&v)) {
                p.push(self.unsupported_feature(format!("`{key}`")));
            }
        }
    }

    /// Reports every key not read as unknown.
    pub(super) fn finish(self, p: &mut Problems) {
        for key in self.table.keys() {
            p.push(ManifestProblem::UnknownKey {
                location: self.location.clone(),
                key: key.clone(),
            });
        }
    }

    pub(super) fn missing(&self, key: &str) -> ManifestProblem {
        ManifestProblem::Missing {
            location: self.location.clone(),
            key: key.to_owned(),
        }
    }

    pub(super) fn unsupported_feature(&self, feature: String) -> ManifestProblem {
        unsupported(self.location.clone(), feature)
    }

    /// Records a wrong-type problem; always `None` so callers can return it.
    pub(super) fn wrong<T>(
        &self,
        key: &str,
        expected: &'static str,
        p: &mut Problems,
    ) -> Option<T> {
        p.push(ManifestProblem::WrongType {
            location: self.location.clone(),
            key: key.to_owned(),
            expected,
        });
        None
    }
}

/// An entry that should have been a table.
pub(super) fn not_a_table(location: String, key: String) -> ManifestProblem {
    let expected = "a table";
    ManifestProblem::WrongType {
        location,
        key,
        expected,
    }
}

/// A Spin feature `caracal-host serve` does not implement.
pub(super) fn unsupported(location: String, feature: String) -> ManifestProblem {
    ManifestProblem::Unsupported { location, feature }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Array(a) => a.is_empty(),
        Value::Table(t) => t.is_empty(),
        Value::Boolean(b) => !b,
        _ => false,
    }
}
