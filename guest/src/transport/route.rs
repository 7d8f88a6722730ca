//! Which requests are gateway-routed: a request URL against the host's
//! `caracal:agent/outbound.routed-prefixes`.
//!
//! The rule mirrors the host's resource-binding match
//! (`caracal-outbound-rules`), so that the guest adds the envelope to exactly
//! the requests the host routes: scheme and host compared
//! case-insensitively (one trailing dot of a name ignored, IP addresses
//! compared as addresses), default ports made explicit, and the prefix path
//! a prefix of the request path on a segment boundary. Query strings and
//! fragments play no part. A URL with user info or a `.`/`..` path segment
//! (also percent-encoded) matches nothing, as on the host.

use std::net::IpAddr;

/// Whether `url` lies under one of `prefixes`.
pub(crate) fn is_routed(url: &str, prefixes: &[impl AsRef<str>]) -> bool {
    let Some(target) = Parsed::new(url) else {
        return false;
    };
    if has_dot_segment(target.path) {
        return false;
    }
    prefixes.iter().any(|prefix| {
        Parsed::new(prefix.as_ref()).is_some_and(|prefix| {
            prefix.query.is_none()
                && prefix.origin == target.origin
                && target
                    .path
                    .strip_prefix(prefix.path.strip_suffix('/').unwrap_or(prefix.path))
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    })
}

/// A URL split for matching.
#[derive(Debug)]
struct Parsed<'a> {
    origin: Origin,
    /// The path, `/` when empty.
    path: &'a str,
    /// The query; a prefix with one matches nothing (the host refuses it).
    query: Option<&'a str>,
}

#[derive(Debug, PartialEq, Eq)]
struct Origin {
    scheme: &'static str,
    host: Host,
    port: u16,
}

#[derive(Debug, PartialEq, Eq)]
enum Host {
    /// Lower-case, without one trailing dot.
    Name(String),
    Ip(IpAddr),
}

impl Parsed<'_> {
    /// Splits an absolute `http`/`https` URL; `None` for anything else.
    fn new(url: &str) -> Option<Parsed<'_>> {
        let (scheme, rest) = url.split_once("://")?;
        let (scheme, default_port) = match scheme.to_ascii_lowercase().as_str() {
            "http" => ("http", 80),
            "https" => ("https", 443),
            _ => return None,
        };
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.contains('@') {
            return None;
        }
        let (host, port) = split_authority(authority)?;
        let port = match port {
            None => default_port,
            Some(port) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                port.parse().ok().filter(|p| *p != 0)?
            }
            Some(_) => return None,
        };
        let (path, query) = match tail.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (tail, None),
        };
        Some(Parsed {
            origin: Origin {
                scheme,
                host: parse_host(host)?,
                port,
            },
            path: if path.is_empty() { "/" } else { path },
            query,
        })
    }
}

/// Host text and optional port text; IPv6 literals keep their brackets.
fn split_authority(authority: &str) -> Option<(&str, Option<&str>)> {
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

fn parse_host(text: &str) -> Option<Host> {
    if let Some(inner) = text.strip_prefix('[') {
        return Some(Host::Ip(IpAddr::V6(inner.strip_suffix(']')?.parse().ok()?)));
    }
    if let Ok(v4) = text.parse() {
        return Some(Host::Ip(IpAddr::V4(v4)));
    }
    let name = text.strip_suffix('.').unwrap_or(text);
    (!name.is_empty()).then(|| Host::Name(name.to_ascii_lowercase()))
}

/// Whether a path has a `.` or `..` segment, literally or percent-encoded.
fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let lower = segment.to_ascii_lowercase().replace("%2e", ".");
        lower == "." || lower == ".."
    })
}

#[cfg(test)]
mod tests {
    use super::is_routed;

    fn routed(url: &str, prefixes: &[&str]) -> bool {
        is_routed(url, prefixes)
    }

    #[test]
    fn prefix_matches_on_a_segment_boundary() {
        let prefixes = ["http://h/api"];
        assert!(routed("http://h/api", &prefixes));
        assert!(routed("http://h/api/", &prefixes));
        assert!(routed("http://h/api/x", &prefixes));
        assert!(routed("http://h/api/x/y?q=1", &prefixes));
        assert!(routed("http://h/api?q=1", &prefixes));
        assert!(!routed("http://h/apix", &prefixes));
        assert!(!routed("http://h/ap", &prefixes));
        assert!(!routed("http://h/", &prefixes));
        assert!(!routed("http://h/other/api", &prefixes));
    }

    #[test]
    fn a_trailing_slash_on_the_prefix_is_ignored() {
        let prefixes = ["http://h/api/"];
        assert!(routed("http://h/api", &prefixes));
        assert!(routed("http://h/api/x", &prefixes));
        assert!(!routed("http://h/apix", &prefixes));
    }

    #[test]
    fn an_origin_prefix_covers_every_path() {
        for prefix in ["https://gw.example", "https://gw.example/"] {
            assert!(routed("https://gw.example", &[prefix]));
            assert!(routed("https://gw.example/", &[prefix]));
            assert!(routed("https://gw.example/a/b?c", &[prefix]));
            assert!(!routed("https://gw.example.evil/a", &[prefix]));
        }
    }

    #[test]
    fn origin_is_normalised() {
        let prefixes = ["HTTPS://API.Example.:443/Tickets"];
        assert!(routed("https://api.example/Tickets/7", &prefixes));
        assert!(routed("https://api.example:443/Tickets", &prefixes));
        // Paths are case-sensitive.
        assert!(!routed("https://api.example/tickets", &prefixes));
        // Scheme, port and host must all agree.
        assert!(!routed("http://api.example/Tickets", &prefixes));
        assert!(!routed("https://api.example:8443/Tickets", &prefixes));
        assert!(!routed("https://other.example/Tickets", &prefixes));
        let ip = ["http://[::1]:8080/x", "http://127.0.0.1:9/y"];
        assert!(routed("http://[0:0:0:0:0:0:0:1]:8080/x/1", &ip));
        assert!(routed("http://127.0.0.1:9/y", &ip));
        assert!(!routed("http://127.0.0.1:8080/x", &ip));
    }

    #[test]
    fn fragments_and_queries_do_not_matter() {
        let prefixes = ["http://h/api"];
        assert!(routed("http://h/api#frag", &prefixes));
        assert!(routed("http://h/api/x?y=/apix#z", &prefixes));
        assert!(!routed("http://h/apix?/api", &prefixes));
    }

    #[test]
    fn odd_urls_match_nothing() {
        let prefixes = ["http://h/api", "http://h"];
        assert!(!routed("http://user@h/api", &prefixes));
        assert!(!routed("http://h/api/../admin", &prefixes));
        assert!(!routed("http://h/api/%2E%2e/admin", &prefixes));
        assert!(!routed("ftp://h/api", &prefixes));
        assert!(!routed("/api", &prefixes));
        assert!(!routed("http://h:0/api", &prefixes));
        assert!(!routed("http://h:x/api", &prefixes));
        assert!(!routed("http://h/api", &["http://h/api?x=1", "not a url"]));
        assert!(!routed("http://h/api", &[] as &[&str]));
    }
}
