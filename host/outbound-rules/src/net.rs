//! Host classification shared by the allow-list and the resource bindings.

use crate::address::special_address;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A request or entry host, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Host {
    /// A DNS name, lower-case, without a trailing dot.
    Name(String),
    /// An IP address (IPv6 given in brackets).
    Ip(IpAddr),
}

/// Parses a host as it appears in a URL authority: a name, a dotted-quad
/// IPv4 address, or `[v6]`. Names are lower-cased and lose one trailing dot.
///
/// Numeric-looking names that are not canonical dotted quads (`127.1`,
/// `2130706433`, `0x7f.0.0.1`, `010.0.0.1`) are rejected: some resolvers
/// read them as loopback addresses.
pub(crate) fn parse_host(text: &str) -> Option<Host> {
    if let Some(inner) = text.strip_prefix('[') {
        let v6: Ipv6Addr = inner.strip_suffix(']')?.parse().ok()?;
        return Some(Host::Ip(IpAddr::V6(v6)));
    }
    if let Ok(v4) = text.parse::<Ipv4Addr>() {
        return Some(Host::Ip(IpAddr::V4(v4)));
    }
    let name = text.strip_suffix('.').unwrap_or(text).to_ascii_lowercase();
    valid_name(&name).then_some(Host::Name(name))
}

/// Whether `name` is a syntactically valid, lower-case DNS name that does
/// not look like a number.
pub(crate) fn valid_name(name: &str) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    let labels_ok = name.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    let last = name.rsplit('.').next().unwrap_or_default();
    let numeric_tail = last.bytes().all(|b| b.is_ascii_digit())
        || (last.starts_with("0x") && last[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    labels_ok && !numeric_tail
}

/// Whether a host is a special-purpose destination ([`special_address`]:
/// loopback, private, link-local, CGNAT, NAT64, mapped, metadata, …) or a
/// `localhost` name, which no wildcard may reach.
pub(crate) fn is_private(host: &Host) -> bool {
    match host {
        Host::Name(name) => name == "localhost" || name.ends_with(".localhost"),
        Host::Ip(ip) => special_address(*ip).is_some(),
    }
}

/// The default port of `http` or `https`.
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// Splits an authority into its host text and optional port text, keeping
/// brackets around IPv6 literals.
pub(crate) fn split_authority(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        return match rest {
            "" => Some((host, None)),
            _ => Some((host, Some(rest.strip_prefix(':')?))),
        };
    }
    Some(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}
