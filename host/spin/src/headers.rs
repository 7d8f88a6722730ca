//! The `spin-*` headers Spin's HTTP trigger adds to the request a
//! component sees.

use std::net::SocketAddr;

use http::{HeaderName, HeaderValue};

use crate::RouteMatch;

/// The headers Spin adds for a matched request, in Spin's order:
///
/// | header | value |
/// |---|---|
/// | `spin-path-info` | [`RouteMatch::path_info`] |
/// | `spin-full-url` | `full_url`: scheme, host (from `Host`), path and query |
/// | `spin-matched-route` | [`RouteMatch::matched_route`] (base applied) |
/// | `spin-base-path` | `base`, the application base |
/// | `spin-raw-component-route` | [`RouteMatch::raw_route`] |
/// | `spin-component-route` | [`RouteMatch::component_route`] |
/// | `spin-client-addr` | `client_addr`, `ip:port` |
/// | `spin-path-match-<name>` | each `:name` parameter's segment |
///
/// A parameter's header name is the parameter name lowercased with `_`
/// turned into `-` (Spin builds `SPIN_PATH_MATCH_<NAME>`, then rewrites
/// it that way). A value that is not a valid header value (control
/// characters; impossible for a validated manifest and a parsed request
/// URI) is left out.
pub fn spin_headers(
    m: &RouteMatch,
    full_url: &str,
    client_addr: SocketAddr,
    base: &str,
) -> Vec<(HeaderName, HeaderValue)> {
    let fixed = [
        ("spin-path-info", m.path_info.clone()),
        ("spin-full-url", full_url.to_owned()),
        ("spin-matched-route", m.matched_route.clone()),
        ("spin-base-path", base.to_owned()),
        ("spin-raw-component-route", m.raw_route.clone()),
        ("spin-component-route", m.component_route().to_owned()),
        ("spin-client-addr", client_addr.to_string()),
    ];
    let fixed = fixed
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value));
    let params = m.params.iter().map(|(name, value)| {
        let name = name.to_ascii_lowercase().replace('_', "-");
        (format!("spin-path-match-{name}"), value.clone())
    });
    fixed
        .chain(params)
        .filter_map(|(name, value)| {
            let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
            Some((name, HeaderValue::from_bytes(value.as_bytes()).ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests;
