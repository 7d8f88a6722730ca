//! Outbound `wasi:http` interception (DESIGN §5).
//!
//! Every request a guest sends passes through [`OutboundPolicy`], the
//! store's `WasiHttpHooks`. The host denies by default: with no resource
//! binding or allow-list matching, a request is refused with
//! `HttpRequestDenied` and the reason is logged. Governed routing
//! (resource bindings, the gateway, credential injection) builds on this
//! hook.

use wasmtime_wasi_http::WasiBody;
use wasmtime_wasi_http::{Error, RequestOptions, WasiHttpHooks};

/// The outbound policy of one store.
#[derive(Debug, Default)]
pub struct OutboundPolicy {
    /// Requests refused so far, for the host's own accounting.
    pub(crate) denied: u64,
}

type ResponseFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        self.denied += 1;
        eprintln!(
            "caracal-host: denied outbound {} {}: no outbound host is allowed by default",
            request.method(),
            request.uri()
        );
        Box::new(async { Err(Error::HttpRequestDenied) })
    }
}
