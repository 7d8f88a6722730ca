//! Spin HTTP trigger routes: patterns and the router that picks one.
//!
//! A route is exact (`/hello`), may have `:name` segments matching any one
//! non-empty path segment (`/users/:id`), and may end in the trailing
//! wildcard `/...` (`/api/...` matches `/api`, `/api/` and `/api/x/y`;
//! `/...` matches everything). The application `base` prefixes every
//! route. A trailing slash on a path is ignored when matching.
//!
//! When several routes match, the most specific wins, comparing the routes
//! segment by segment from the left: a literal segment beats a `:name`
//! segment, which beats the wildcard, and an exact route that ends where
//! the path ends beats a wildcard there. So an exact route beats any
//! wildcard covering it, the longest wildcard prefix wins, and `/users/:id`
//! beats `/users/...`. This is the order of the `routefinder` crate that
//! Spin's router uses.

use std::collections::BTreeMap;

use crate::{HttpRoute, RouteError, SpinApp};

/// A parsed HTTP trigger route, with the application base applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePattern {
    raw: String,
    based: String,
    segments: Vec<Segment>,
    wildcard: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

impl RoutePattern {
    /// Parses `route` as written in the manifest under the application
    /// `base` (`"/"` for none). As in Spin, one trailing slash is dropped
    /// from each and a missing leading slash is added.
    pub fn new(base: &str, route: &str) -> Result<RoutePattern, RouteError> {
        if [base, route]
            .iter()
            .any(|s| s.chars().any(|c| c.is_control() || c == '?' || c == '#'))
        {
            return Err(RouteError::InvalidCharacter(route.to_owned()));
        }
        let based = format!(
            "{}{}",
            trim_slash(&absolute(base)),
            trim_slash(&absolute(route))
        );
        let (prefix, wildcard) = match based.strip_suffix("/...").or(based.strip_suffix("/*")) {
            Some(prefix) => (prefix, true),
            None => (based.as_str(), false),
        };
        let mut segments = Vec::new();
        for segment in prefix.strip_prefix('/').unwrap_or(prefix).split('/') {
            if segment == "..." || segment == "*" {
                return Err(RouteError::MisplacedWildcard(route.to_owned()));
            }
            segments.push(match segment.strip_prefix(':') {
                None => Segment::Literal(segment.to_owned()),
                Some(name) if is_param_name(name) => Segment::Param(name.to_owned()),
                Some(_) => return Err(RouteError::InvalidParameter(route.to_owned())),
            });
        }
        if prefix.is_empty() {
            segments.clear();
        }
        let mut names: Vec<&str> = segments.iter().filter_map(Segment::param).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
            let (route, name) = (route.to_owned(), pair[0].to_owned());
            return Err(RouteError::DuplicateParameter { route, name });
        }
        Ok(RoutePattern {
            raw: route.to_owned(),
            based,
            segments,
            wildcard,
        })
    }

    /// The route as written in the manifest, e.g. `/users/...`.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The route with the base applied, e.g. `/shop/users/...` (Spin's
    /// `spin-matched-route`; empty for the route `/` under base `/`).
    pub fn based(&self) -> &str {
        &self.based
    }

    /// True if the route ends in the trailing wildcard.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// A key equal for routes matching exactly the same paths (parameter
    /// names aside), used to find duplicate routes.
    pub(crate) fn shape(&self) -> (Vec<Option<&str>>, bool) {
        let shape = self.segments.iter().map(|s| match s {
            Segment::Literal(l) => Some(l.as_str()),
            Segment::Param(_) => None,
        });
        (shape.collect(), self.wildcard)
    }

    fn matches(&self, path: &[&str]) -> bool {
        let n = self.segments.len();
        let fits = if self.wildcard {
            path.len() >= n
        } else {
            path.len() == n
        };
        fits && self.segments.iter().zip(path).all(|(s, p)| match s {
            Segment::Literal(l) => l == p,
            Segment::Param(_) => !p.is_empty(),
        })
    }

    /// Specificity of segment `i`: literal 3, parameter 2, end of an exact
    /// route 1, wildcard 0.
    fn rank(&self, i: usize) -> u8 {
        match self.segments.get(i) {
            Some(Segment::Literal(_)) => 3,
            Some(Segment::Param(_)) => 2,
            None if self.wildcard => 0,
            None => 1,
        }
    }

    fn more_specific_than(&self, other: &RoutePattern) -> bool {
        let len = self.segments.len().max(other.segments.len());
        (0..=len)
            .map(|i| self.rank(i))
            .gt((0..=len).map(|i| other.rank(i)))
    }
}

impl Segment {
    fn param(&self) -> Option<&str> {
        match self {
            Segment::Param(name) => Some(name),
            Segment::Literal(_) => None,
        }
    }
}

/// The route a request path matched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteMatch {
    /// The component that handles the request.
    pub component_id: String,
    /// The route with the base applied, e.g. `/shop/users/...`.
    pub matched_route: String,
    /// The route as written in the manifest, e.g. `/users/...`.
    pub raw_route: String,
    /// For a wildcard, the path after the matched prefix, keeping a
    /// trailing slash (`/api/...` on `/api/x/` gives `/x/`, on `/api`
    /// gives ``); empty for an exact route.
    pub path_info: String,
    /// The `:name` segments and the path segments they matched (raw, not
    /// percent-decoded).
    pub params: BTreeMap<String, String>,
}

impl RouteMatch {
    /// The raw route without its trailing `/...` (Spin's
    /// `spin-component-route`).
    pub fn component_route(&self) -> &str {
        self.raw_route
            .strip_suffix("/...")
            .unwrap_or(&self.raw_route)
    }
}

/// Routes request paths to components, as Spin's HTTP trigger does.
#[derive(Debug, Clone, Default)]
pub struct Router {
    routes: Vec<HttpRoute>,
}

impl Router {
    /// A router over the application's routable HTTP triggers.
    pub fn new(app: &SpinApp) -> Router {
        Router::from_routes(app.routes.iter().cloned())
    }

    /// A router over the given routes; on a tie the first wins.
    pub fn from_routes(routes: impl IntoIterator<Item = HttpRoute>) -> Router {
        Router {
            routes: routes.into_iter().collect(),
        }
    }

    /// The most specific route matching `path` (a URI path; anything from a
    /// `?` on is ignored), or `None` when nothing matches.
    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let segments: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };

        let mut best: Option<&HttpRoute> = None;
        for route in self.routes.iter().filter(|r| r.pattern.matches(&segments)) {
            if best.is_none_or(|b| route.pattern.more_specific_than(&b.pattern)) {
                best = Some(route);
            }
        }
        let route = best?;
        let pattern = &route.pattern;
        let n = pattern.segments.len();
        let path_info = if pattern.wildcard {
            let rest = segments[n..].join("/");
            let slash = if path.ends_with('/') { "/" } else { "" };
            if rest.is_empty() {
                slash.to_owned()
            } else {
                format!("/{rest}{slash}")
            }
        } else {
            String::new()
        };
        let params = pattern
            .segments
            .iter()
            .zip(&segments)
            .filter_map(|(s, p)| Some((s.param()?.to_owned(), (*p).to_owned())));
        Some(RouteMatch {
            component_id: route.component.clone(),
            matched_route: pattern.based.clone(),
            raw_route: pattern.raw.clone(),
            path_info,
            params: params.collect(),
        })
    }
}

fn absolute(s: &str) -> String {
    if s.starts_with('/') {
        s.to_owned()
    } else {
        format!("/{s}")
    }
}

fn trim_slash(s: &str) -> &str {
    s.strip_suffix('/').unwrap_or(s)
}

fn is_param_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests;
