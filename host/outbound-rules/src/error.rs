//! The one error type for every rule parser in this crate.

/// A bad configuration entry. Parsers collect one of these per bad entry,
/// each carrying the entry's index in the input, so start-up can list them
/// all at once (DESIGN §6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// An `allowed_outbound_hosts` entry is not of the form
    /// `scheme://host[:port]`.
    #[error("allowed_outbound_hosts[{index}] `{entry}`: expected `scheme://host[:port]`")]
    MissingScheme {
        /// Position of the entry in the input.
        index: usize,
        /// The entry as given.
        entry: String,
    },
    /// The scheme is not `http`, `https` or `*`.
    #[error(
        "allowed_outbound_hosts[{index}] `{entry}`: unsupported scheme `{scheme}` (use http, https or *)"
    )]
    UnsupportedScheme {
        /// Position of the entry in the input.
        index: usize,
        /// The entry as given.
        entry: String,
        /// The offending scheme.
        scheme: String,
    },
    /// The host part is empty or not a valid name, wildcard or IP address.
    #[error("allowed_outbound_hosts[{index}] `{entry}`: invalid host `{host}`")]
    InvalidHost {
        /// Position of the entry in the input.
        index: usize,
        /// The entry as given.
        entry: String,
        /// The offending host.
        host: String,
    },
    /// The port is not a number in 1..=65535, `*`, or a non-empty range
    /// `start..end` (end exclusive, as in Spin).
    #[error("allowed_outbound_hosts[{index}] `{entry}`: invalid port `{port}`")]
    InvalidPort {
        /// Position of the entry in the input.
        index: usize,
        /// The entry as given.
        entry: String,
        /// The offending port text.
        port: String,
    },
    /// The entry has a path, query, fragment or user info after the host.
    #[error(
        "allowed_outbound_hosts[{index}] `{entry}`: only `scheme://host[:port]` is allowed (no path, query or user info)"
    )]
    UnexpectedComponent {
        /// Position of the entry in the input.
        index: usize,
        /// The entry as given.
        entry: String,
    },
    /// A resource binding has an empty or blank `resource_id`.
    #[error("resources[{index}]: empty resource_id")]
    EmptyResourceId {
        /// Position of the binding in the input.
        index: usize,
    },
    /// A resource binding's `upstream_prefix` is not an absolute
    /// `http(s)://host[:port][/path]` URL without query, fragment or user
    /// info.
    #[error("resources[{index}] `{prefix}`: invalid upstream_prefix: {reason}")]
    InvalidPrefix {
        /// Position of the binding in the input.
        index: usize,
        /// The prefix as given.
        prefix: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two bindings normalise to the same `upstream_prefix`.
    #[error("resources[{index}] `{prefix}`: same upstream_prefix as resources[{first}]")]
    DuplicatePrefix {
        /// Position of the later binding.
        index: usize,
        /// Position of the earlier binding with the same prefix.
        first: usize,
        /// The later prefix as given.
        prefix: String,
    },
    /// A scope rule is not `METHOD /path/pattern`, or its method is not an
    /// HTTP token (or `*`).
    #[error("rules[{index}] `{rule}`: expected `METHOD /path/pattern`")]
    MalformedRule {
        /// Position of the rule in the input.
        index: usize,
        /// The rule as given.
        rule: String,
    },
    /// A scope rule's path pattern is invalid.
    #[error("rules[{index}] `{rule}`: invalid path pattern: {reason}")]
    InvalidPattern {
        /// Position of the rule in the input.
        index: usize,
        /// The rule as given.
        rule: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A scope rule requires no scopes, or one of its scopes is blank. A path
    /// that needs no authority is not expressible: leave it out to deny it.
    #[error("rules[{index}] `{rule}`: scopes must be a non-empty list of non-blank names")]
    InvalidScopes {
        /// Position of the rule in the input.
        index: usize,
        /// The rule as given.
        rule: String,
    },
}
