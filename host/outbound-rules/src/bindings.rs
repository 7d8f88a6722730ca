//! Resource bindings: request URL → `resource_id` by `upstream_prefix`.

use crate::RuleError;
use crate::net::{Host, default_port, parse_host, split_authority};

/// The resource bindings of a host (`CARACAL_RESOURCES`,
/// `CARACAL_RESOURCES_FILE`, `caracal.toml`): `(resource_id,
/// upstream_prefix)` pairs, matched most specific prefix first.
///
/// A URL matches a prefix when scheme, host (case-insensitive, one trailing
/// dot ignored) and port (defaults made explicit) are equal, and the prefix
/// path is a prefix of the URL path on a segment boundary:
/// `https://api.example/tickets` matches `/tickets` and `/tickets/1`, not
/// `/ticketsX`. Query strings are ignored for matching and kept in
/// [`ResourceMatch::rest_path`]; fragments are dropped. URLs with user info
/// or with `.`/`..` path segments (also percent-encoded) match nothing.
///
/// ```
/// use caracal_outbound_rules::ResourceBindings;
///
/// let bindings = ResourceBindings::new([
///     ("tickets", "https://api.example/tickets"),
///     ("api", "https://api.example"),
/// ])
/// .unwrap();
/// let hit = bindings.match_url("https://API.example:443/tickets/7?full=1").unwrap();
/// assert_eq!((hit.resource_id, hit.rest_path.as_str()), ("tickets", "/7?full=1"));
/// assert_eq!(bindings.match_url("https://api.example/ticketsX").unwrap().resource_id, "api");
/// assert!(bindings.match_url("https://other.example/").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceBindings {
    /// Sorted by descending path length, so the first match is the longest.
    bindings: Vec<Binding>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Binding {
    resource_id: String,
    prefix: String,
    origin: Origin,
    /// Without a trailing slash; empty for the root.
    path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: &'static str,
    host: Host,
    port: u16,
}

/// The binding a URL matched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceMatch<'a> {
    /// The bound resource's id.
    pub resource_id: &'a str,
    /// The matched `upstream_prefix`, as configured.
    pub prefix: &'a str,
    /// The URL path after the prefix path (empty, or starting with `/`),
    /// followed by the query string (with its `?`) if the URL had one.
    pub rest_path: String,
}

impl ResourceBindings {
    /// Validates `(resource_id, upstream_prefix)` pairs, reporting every bad
    /// binding with its index. A prefix is an absolute `http` or `https` URL
    /// with an optional path and no query, fragment or user info; two
    /// prefixes that normalise to the same origin and path are an error.
    pub fn new<I, R, P>(bindings: I) -> Result<ResourceBindings, Vec<RuleError>>
    where
        I: IntoIterator<Item = (R, P)>,
        R: Into<String>,
        P: Into<String>,
    {
        let mut parsed: Vec<(usize, Binding)> = Vec::new();
        let mut errors = Vec::new();
        for (index, (resource_id, prefix)) in bindings.into_iter().enumerate() {
            let (resource_id, prefix) = (resource_id.into(), prefix.into());
            if resource_id.trim().is_empty() {
                errors.push(RuleError::EmptyResourceId { index });
                continue;
            }
            let (origin, path, query) = match parse_url(&prefix) {
                Ok(parts) => parts,
                Err(reason) => {
                    errors.push(RuleError::InvalidPrefix {
                        index,
                        prefix,
                        reason,
                    });
                    continue;
                }
            };
            if query.is_some() || prefix.contains('#') {
                let reason = "query and fragment are not allowed";
                errors.push(RuleError::InvalidPrefix {
                    index,
                    prefix,
                    reason,
                });
                continue;
            }
            let path = path.strip_suffix('/').unwrap_or(path).to_owned();
            if let Some((first, _)) = parsed
                .iter()
                .find(|(_, b)| b.origin == origin && b.path == path)
            {
                errors.push(RuleError::DuplicatePrefix {
                    index,
                    first: *first,
                    prefix,
                });
                continue;
            }
            parsed.push((
                index,
                Binding {
                    resource_id,
                    prefix,
                    origin,
                    path,
                },
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut bindings: Vec<Binding> = parsed.into_iter().map(|(_, b)| b).collect();
        bindings.sort_by_key(|b| std::cmp::Reverse(b.path.len()));
        Ok(ResourceBindings { bindings })
    }

    /// The binding with the longest `upstream_prefix` matching `url`, or
    /// `None` (the request then goes through the allow-list).
    pub fn match_url(&self, url: &str) -> Option<ResourceMatch<'_>> {
        let (scheme, authority, path, query) = split_url(url).ok()?;
        self.match_parts(scheme, authority, path, query)
    }

    /// [`ResourceBindings::match_url`] for a URL already split into its
    /// scheme, authority, path and query (as `http::Uri` holds it), so a
    /// parsed request URL is not written out and parsed again.
    pub fn match_parts(
        &self,
        scheme: &str,
        authority: &str,
        path: &str,
        query: Option<&str>,
    ) -> Option<ResourceMatch<'_>> {
        let origin = parse_origin(scheme, authority).ok()?;
        let path = if path.is_empty() { "/" } else { path };
        if has_dot_segment(path) {
            return None;
        }
        let binding = self.bindings.iter().find(|b| {
            b.origin == origin
                && path
                    .strip_prefix(b.path.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })?;
        let mut rest_path = path[binding.path.len()..].to_owned();
        if let Some(query) = query {
            rest_path.push('?');
            rest_path.push_str(query);
        }
        Some(ResourceMatch {
            resource_id: &binding.resource_id,
            prefix: &binding.prefix,
            rest_path,
        })
    }

    /// Whether there are no bindings.
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }
}

/// Splits an absolute URL into origin, path (`/` when empty) and query;
/// the fragment is dropped.
fn parse_url(url: &str) -> Result<(Origin, &str, Option<&str>), &'static str> {
    let (scheme, authority, path, query) = split_url(url)?;
    let path = if path.is_empty() { "/" } else { path };
    Ok((parse_origin(scheme, authority)?, path, query))
}

/// Splits an absolute URL into scheme, authority, path (maybe empty) and
/// query; the fragment is dropped.
fn split_url(url: &str) -> Result<(&str, &str, &str, Option<&str>), &'static str> {
    let absolute = "expected an absolute http(s) URL";
    let colon = url.find(':').ok_or(absolute)?;
    let (scheme, rest) = (
        &url[..colon],
        url[colon + 1..].strip_prefix("//").ok_or(absolute)?,
    );
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    Ok((scheme, authority, path, query))
}

/// The origin of an `http` or `https` URL's scheme and authority (no user
/// info; defaults made explicit).
fn parse_origin(scheme: &str, authority: &str) -> Result<Origin, &'static str> {
    let scheme = if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else {
        return Err("scheme must be http or https");
    };
    if authority.contains('@') {
        return Err("user info is not allowed");
    }
    let (host, port) = split_authority(authority).ok_or("invalid host")?;
    let host = parse_host(host).ok_or("invalid host")?;
    let port = match port {
        None => default_port(scheme).unwrap_or_default(),
        Some(port) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or("invalid port")?,
        Some(_) => return Err("invalid port"),
    };
    Ok(Origin { scheme, host, port })
}

/// Whether a path has a `.` or `..` segment, literally or percent-encoded.
fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        // Count the dots, each `.` or `%2e` (any case); anything else means
        // the segment is not a dot segment.
        let mut rest = segment.as_bytes();
        let mut dots = 0;
        while !rest.is_empty() {
            rest = match rest {
                [b'.', tail @ ..] => tail,
                [b'%', b'2', b'e' | b'E', tail @ ..] => tail,
                _ => return false,
            };
            dots += 1;
        }
        dots == 1 || dots == 2
    })
}

#[cfg(test)]
mod tests;
