//! Relative outbound URLs, as Spin apps send for self requests (`/api/x`
//! with no scheme or authority): Wasmtime's `wasi:http` refuses a request
//! without an authority before any hook sees it, so the host links its own
//! `outgoing-handler.handle` (WASI 0.2) and `client.send` (WASI 0.3). Each
//! gives such a request the authority `self` (scheme `http`) and hands it
//! to Wasmtime's implementation, where it is governed like any other:
//! `http://self` must be allowed, and `serve` answers it in process
//! ([`super::InProcess`]).

use wasmtime::component::{Accessor, HasData, Linker, Resource};
use wasmtime_wasi::TrappableError;
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::http::outgoing_handler as p2_handler;
use wasmtime_wasi_http::p2::bindings::http::types as p2_types;
use wasmtime_wasi_http::p2::types::{HostFutureIncomingResponse, HostOutgoingRequest};
use wasmtime_wasi_http::p3::bindings::http::client as p3_client;
use wasmtime_wasi_http::p3::bindings::http::types::ErrorCode as P3ErrorCode;
use wasmtime_wasi_http::{WasiHttp, WasiHttpCtxView};

use crate::run_state::RunState;

/// The authority a relative URL is sent to.
pub const SELF_AUTHORITY: &str = "self";

/// The WASI 0.2 handler interface as Wasmtime's `wasi:http` defines it
/// (older 0.2 imports link to it by semver).
const P2_HANDLER: &str = "wasi:http/outgoing-handler@0.2.12";

/// WASI 0.2's `handle`: Wasmtime's, after a relative URL is given the
/// authority `self`.
fn p2_handle(
    state: &mut RunState,
    request: Resource<HostOutgoingRequest>,
    options: Option<Resource<p2_types::RequestOptions>>,
) -> wasmtime::Result<Result<Resource<HostFutureIncomingResponse>, p2_types::ErrorCode>> {
    let mut http = state.http();
    let outgoing = http.table.get_mut(&request)?;
    if outgoing.authority.as_deref().is_none_or(str::is_empty) {
        outgoing.authority = Some(SELF_AUTHORITY.to_owned());
        outgoing.scheme = Some(p2_types::Scheme::Http);
    }
    match p2_handler::Host::handle(&mut http, request, options) {
        Ok(response) => Ok(Ok(response)),
        Err(error) => error.downcast().map(Err),
    }
}

/// WASI 0.3's `send`: Wasmtime's, after a relative URL is given the
/// authority `self`.
struct RelativeP3;

impl HasData for RelativeP3 {
    type Data<'a> = WasiHttpCtxView<'a>;
}

impl<T: 'static> p3_client::HostWithStore<T> for RelativeP3 {
    async fn send(
        store: &Accessor<T, Self>,
        request: Resource<wasmtime_wasi_http::p3::Request>,
    ) -> Result<Resource<wasmtime_wasi_http::p3::Response>, TrappableError<P3ErrorCode>> {
        store
            .with(|mut access| -> wasmtime::Result<()> {
                let outgoing = access.get().table.get_mut(&request)?;
                if outgoing.authority.is_none() {
                    outgoing.authority = Some(http::uri::Authority::from_static(SELF_AUTHORITY));
                    outgoing.scheme = Some(http::uri::Scheme::HTTP);
                }
                Ok(())
            })
            .map_err(TrappableError::trap)?;
        let wasmtime_http = store.with_getter::<WasiHttp>(store.getter());
        <WasiHttp as p3_client::HostWithStore<T>>::send(&wasmtime_http, request).await
    }
}

/// Adds `wasi:http/outgoing-handler@0.2` and `wasi:http/client@0.3` with
/// relative URLs sent to `self`.
pub(crate) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    linker.instance(P2_HANDLER)?.func_wrap(
        "handle",
        |mut store: wasmtime::StoreContextMut<'_, RunState>, (request, options)| {
            p2_handle(store.data_mut(), request, options).map(|answer| (answer,))
        },
    )?;
    p3_client::add_to_linker::<RunState, RelativeP3>(linker, RunState::http)
}
