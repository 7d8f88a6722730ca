//! Requests that stay in process: a served Spin application's self
//! requests (`http://self/…`, or a relative URL) and
//! `http://<component>.spin.internal/…` are answered by the application's
//! own components, with the caller's session bound, and never reach the
//! network. They are governed like any outbound call first: the
//! component's `allowed_outbound_hosts` must allow `http://self` or the
//! `*.spin.internal` name, as in Spin.

use std::fmt;
use std::pin::Pin;

use caracal_authority::SessionId;
use wasmtime_wasi_http::{Error, WasiBody};

/// The most in-process requests nested in one another (a self request
/// making a self request …); a deeper one is denied.
pub const MAX_IN_PROCESS_DEPTH: u8 = 8;

/// The suffix of the names Spin gives an application's components.
pub const SPIN_INTERNAL_SUFFIX: &str = ".spin.internal";

/// An in-process answer.
pub type InProcessFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<WasiBody>, Error>> + Send>>;

/// What serves an application's requests to itself.
pub trait InProcess: Send + Sync + fmt::Debug {
    /// Answers `request` (addressed to `self` or a `*.spin.internal`
    /// name, see [`addresses_app`]) with `session` bound as its context;
    /// `depth` is how many in-process requests it is nested in (1 for a
    /// component's first).
    fn serve(
        &self,
        request: http::Request<WasiBody>,
        session: SessionId,
        depth: u8,
    ) -> InProcessFuture;
}

/// Whether `uri` names the application itself: host `self`, or
/// `<component>.spin.internal`.
pub fn addresses_app(uri: &http::Uri) -> bool {
    uri.host().is_some_and(|host| {
        host.eq_ignore_ascii_case("self")
            || (host.len() > SPIN_INTERNAL_SUFFIX.len()
                && host
                    .get(host.len() - SPIN_INTERNAL_SUFFIX.len()..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(SPIN_INTERNAL_SUFFIX)))
    })
}

/// The component a `*.spin.internal` URI names (`None` for `self`).
pub fn internal_component(uri: &http::Uri) -> Option<String> {
    let host = uri.host()?.to_ascii_lowercase();
    host.strip_suffix(SPIN_INTERNAL_SUFFIX).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_self_and_spin_internal_names_are_the_app() {
        for (uri, app, component) in [
            ("http://self/x", true, None),
            ("http://SELF:80/x", true, None),
            ("http://users.spin.internal/x", true, Some("users")),
            ("http://Users.Spin.Internal/x", true, Some("users")),
            ("http://spin.internal/x", false, None),
            ("http://.spin.internal/x", false, None),
            ("http://self.example.com/x", false, None),
            ("http://evil.spin.internal.example.com/x", false, None),
            ("http://example.com/self", false, None),
        ] {
            let uri: http::Uri = uri.parse().unwrap();
            assert_eq!(addresses_app(&uri), app, "{uri}");
            if app {
                assert_eq!(internal_component(&uri).as_deref(), component, "{uri}");
            }
        }
    }
}
