//! `allowed_outbound_hosts`: Spin's `scheme://host[:port]` allow-list.

use std::ops::Range;

use crate::RuleError;
use crate::address::{SpecialAddress, special_address};
use crate::net::{Host, default_port, is_private, parse_host, split_authority, valid_name};

/// An allow-list of outbound destinations in Spin's `allowed_outbound_hosts`
/// grammar. The default (empty) list denies everything.
///
/// Each entry is `scheme://host[:port]`:
/// - scheme: `http`, `https`, or `*` (both);
/// - host: `*` (any), `*.example.com` (any subdomain, not the apex), a name,
///   an IPv4 address or `[v6]`;
/// - port: a number, `*` (any), or `start..end` (end exclusive, as Rust's
///   and Spin's ranges); without a port, the scheme's default (80 or 443).
///
/// Special-purpose destinations (`localhost` and every [`SpecialAddress`]:
/// loopback, private, link-local, unique-local, CGNAT, NAT64, IPv4-mapped,
/// multicast, metadata, …) are allowed only by an entry naming that exact
/// host; `*` and `*.domain` never reach them. Name resolution is the
/// caller's business: [`AllowedHosts::reach`] says whether the addresses a
/// name resolves to must be public ([`Reach::Public`]).
///
/// ```
/// use caracal_outbound_rules::AllowedHosts;
///
/// let hosts = AllowedHosts::parse(&["https://*.example.com", "http://127.0.0.1:8080"]).unwrap();
/// assert!(hosts.allows("https", "api.example.com", None));
/// assert!(!hosts.allows("https", "example.com", None));
/// assert!(hosts.allows("http", "127.0.0.1", Some(8080)));
/// assert!(!AllowedHosts::default().allows("https", "example.com", None));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts {
    entries: Vec<Entry>,
}

/// Which addresses a request the allow-list admits may connect to, once
/// its host name is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    /// Only public addresses: the request matched a wildcard entry (`*`,
    /// `*.domain`), so a name that resolves to a special address (DNS
    /// rebinding) is refused.
    Public,
    /// Any address: an entry (or the host's own configuration) names this
    /// host exactly.
    Named,
}

impl Reach {
    /// `Ok` when `ip` may be connected to under this reach, else the class
    /// that forbids it.
    pub fn admits(self, ip: std::net::IpAddr) -> Result<(), SpecialAddress> {
        match (self, special_address(ip)) {
            (Reach::Public, Some(class)) => Err(class),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// `None` for `*`.
    scheme: Option<&'static str>,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    /// Lower-case suffix without the leading `*.`.
    Subdomain(String),
    Exact(Host),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Default,
    Any,
    One(u16),
    Range(Range<u16>),
}

impl AllowedHosts {
    /// Parses a list of entries, reporting every bad entry with its index.
    pub fn parse(entries: &[impl AsRef<str>]) -> Result<AllowedHosts, Vec<RuleError>> {
        let mut parsed = Vec::with_capacity(entries.len());
        let mut errors = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            match parse_entry(index, entry.as_ref()) {
                Ok(entry) => parsed.push(entry),
                Err(error) => errors.push(error),
            }
        }
        if errors.is_empty() {
            Ok(AllowedHosts { entries: parsed })
        } else {
            Err(errors)
        }
    }

    /// Whether the list allows a request to `scheme://host[:port]`.
    ///
    /// `scheme` is `http` or `https` (any case; anything else is denied);
    /// `host` is a name, an IPv4 address or an IPv6 address with or without
    /// brackets; `port: None` means the scheme's default port. Malformed
    /// hosts are denied.
    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        self.reach(scheme, host, port).is_some()
    }

    /// Like [`AllowedHosts::allows`], saying also which addresses the
    /// request may connect to: [`Reach::Named`] when an entry names the host
    /// exactly, [`Reach::Public`] when only wildcards admit it; `None` when
    /// denied.
    ///
    /// ```
    /// use caracal_outbound_rules::{AllowedHosts, Reach};
    ///
    /// let hosts = AllowedHosts::parse(&["https://*", "https://db.internal"]).unwrap();
    /// assert_eq!(hosts.reach("https", "example.com", None), Some(Reach::Public));
    /// assert_eq!(hosts.reach("https", "db.internal", None), Some(Reach::Named));
    /// assert!(Reach::Public.admits("10.0.0.1".parse().unwrap()).is_err());
    /// ```
    pub fn reach(&self, scheme: &str, host: &str, port: Option<u16>) -> Option<Reach> {
        let scheme = scheme.to_ascii_lowercase();
        let scheme = ["http", "https"].into_iter().find(|s| *s == scheme)?;
        let port = port.or_else(|| default_port(scheme))?;
        let host = if host.contains(':') && !host.starts_with('[') {
            parse_host(&format!("[{host}]"))
        } else {
            parse_host(host)
        }?;
        let private = is_private(&host);
        let mut reach = None;
        for entry in &self.entries {
            if entry.scheme.is_none_or(|s| s == scheme)
                && entry.port.matches(scheme, port)
                && entry.host.matches(&host, private)
            {
                if matches!(entry.host, HostPattern::Exact(_)) {
                    return Some(Reach::Named);
                }
                reach = Some(Reach::Public);
            }
        }
        reach
    }

    /// Whether the list is empty, i.e. denies everything.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl HostPattern {
    fn matches(&self, host: &Host, private: bool) -> bool {
        match self {
            HostPattern::Exact(exact) => exact == host,
            _ if private => false,
            HostPattern::Any => true,
            HostPattern::Subdomain(suffix) => match host {
                Host::Name(name) => name
                    .strip_suffix(suffix.as_str())
                    .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
                Host::Ip(_) => false,
            },
        }
    }
}

impl PortPattern {
    fn matches(&self, scheme: &str, port: u16) -> bool {
        match self {
            PortPattern::Default => default_port(scheme) == Some(port),
            PortPattern::Any => true,
            PortPattern::One(one) => *one == port,
            PortPattern::Range(range) => range.contains(&port),
        }
    }
}

fn parse_entry(index: usize, entry: &str) -> Result<Entry, RuleError> {
    let text = entry.trim();
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(RuleError::MissingScheme {
            index,
            entry: entry.to_owned(),
        });
    };
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Some("http"),
        "https" => Some("https"),
        "*" => None,
        _ => {
            let scheme = scheme.to_owned();
            return Err(RuleError::UnsupportedScheme {
                index,
                entry: entry.to_owned(),
                scheme,
            });
        }
    };
    // Tolerate one trailing slash (`https://example.com/`), nothing more.
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#', '@']) {
        return Err(RuleError::UnexpectedComponent {
            index,
            entry: entry.to_owned(),
        });
    }
    let invalid_host = |host: &str| RuleError::InvalidHost {
        index,
        entry: entry.to_owned(),
        host: host.to_owned(),
    };
    let (host_text, port_text) =
        split_authority(authority).ok_or_else(|| invalid_host(authority))?;
    let host = if host_text == "*" {
        HostPattern::Any
    } else if let Some(suffix) = host_text.strip_prefix("*.") {
        let suffix = suffix.to_ascii_lowercase();
        if !valid_name(&suffix) {
            return Err(invalid_host(host_text));
        }
        HostPattern::Subdomain(suffix)
    } else {
        HostPattern::Exact(parse_host(host_text).ok_or_else(|| invalid_host(host_text))?)
    };
    let port = match port_text {
        None => PortPattern::Default,
        Some(text) => parse_port(text).ok_or_else(|| RuleError::InvalidPort {
            index,
            entry: entry.to_owned(),
            port: text.to_owned(),
        })?,
    };
    Ok(Entry { scheme, host, port })
}

fn parse_port(text: &str) -> Option<PortPattern> {
    let number = |t: &str| -> Option<u16> {
        let n: u16 = t
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| t.parse().ok())??;
        (n != 0).then_some(n)
    };
    if text == "*" {
        return Some(PortPattern::Any);
    }
    if let Some((start, end)) = text.split_once("..") {
        let (start, end) = (number(start)?, number(end)?);
        return (start < end).then_some(PortPattern::Range(start..end));
    }
    number(text).map(PortPattern::One)
}

#[cfg(test)]
mod tests;
