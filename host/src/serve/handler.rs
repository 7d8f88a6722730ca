//! One served component, pre-instantiated: a WASI 0.2 proxy
//! (`wasi:http/incoming-handler`) or a WASI 0.3 service
//! (`wasi:http/handler@0.3.0`), called with a fresh instance per request.
//! Response bodies stream: the client reads what the component writes as
//! it writes it.

use bytes::Bytes;
use http_body_util::BodyExt as _;
use http_body_util::combinators::UnsyncBoxBody;
use wasmtime::Store;
use wasmtime::component::{Component, Linker};
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p3::bindings::ServicePre;

use crate::run_state::RunState;

/// The body of a served response.
pub(crate) type ServeBody = UnsyncBoxBody<Bytes, std::io::Error>;

/// A pre-instantiated proxy component of either WASI version.
pub(crate) enum Handler {
    /// `wasi:http/incoming-handler@0.2.x`.
    P2(ProxyPre<RunState>),
    /// `wasi:http/handler@0.3.0`.
    P3(ServicePre<RunState>),
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Handler::P2(_) => "Handler::P2",
            Handler::P3(_) => "Handler::P3",
        })
    }
}

impl Handler {
    /// Pre-instantiates `component`, which must export one of the two
    /// handler interfaces and import nothing the host lacks.
    pub(crate) fn new(linker: &Linker<RunState>, component: &Component) -> Result<Handler, String> {
        let pre = linker.instantiate_pre(component).map_err(|e| {
            match release_candidate_import(linker.engine(), component) {
                Some(name) => format!(
                    "it imports `{name}`, a WASI 0.3 release candidate (spin-sdk 6 builds against one); this host serves WASI 0.2 and the WASI 0.3.0 release: rebuild it with spin-sdk 7 (WASI 0.3.0) or spin-sdk 5 (WASI 0.2)"
                ),
                None => format!("{e:#}"),
            }
        })?;
        if let Ok(service) = ServicePre::new(pre.clone()) {
            return Ok(Handler::P3(service));
        }
        ProxyPre::new(pre).map(Handler::P2).map_err(|_| {
            "not a wasi:http proxy component: it exports neither `wasi:http/incoming-handler@0.2` nor `wasi:http/handler@0.3.0`".to_owned()
        })
    }

    /// `"wasi:http@0.2"` or `"wasi:http@0.3"`.
    pub(crate) fn version(&self) -> &'static str {
        match self {
            Handler::P2(_) => "wasi:http@0.2",
            Handler::P3(_) => "wasi:http@0.3",
        }
    }

    /// Instantiates the component in `store` and hands it `request`.
    /// The request body is a client's (`hyper::body::Incoming`) or, for a
    /// request the application makes to itself, the calling guest's.
    pub(crate) async fn handle<B>(
        &self,
        mut store: Store<RunState>,
        request: http::Request<B>,
    ) -> wasmtime::Result<http::Response<ServeBody>>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        match self {
            Handler::P2(pre) => {
                let (sender, receiver) = tokio::sync::oneshot::channel();
                let req = store.data_mut().http().new_incoming_request(
                    wasmtime_wasi_http::p2::bindings::http::types::Scheme::Http,
                    request,
                )?;
                let out = store.data_mut().http().new_response_outparam(sender)?;
                let pre = pre.clone();
                // The component may go on writing the body after it set the
                // response: run it on a task of its own.
                let task = tokio::task::spawn(async move {
                    let proxy = pre.instantiate_async(&mut store).await?;
                    proxy
                        .wasi_http_incoming_handler()
                        .call_handle(&mut store, req, out)
                        .await
                });
                match receiver.await {
                    Ok(Ok(response)) => Ok(response.map(|body| {
                        body.map_err(|e| std::io::Error::other(format!("{e:?}")))
                            .boxed_unsync()
                    })),
                    Ok(Err(code)) => Err(wasmtime::format_err!("the component answered {code:?}")),
                    Err(_) => Err(no_response(task).await),
                }
            }
            Handler::P3(pre) => {
                let (sender, receiver) = tokio::sync::oneshot::channel();
                let pre = pre.clone();
                // The store's event loop must keep running while the client
                // reads the body (the guest writes it after returning the
                // response): run it on a task of its own, until the body
                // has been read to its end or dropped.
                let task = tokio::task::spawn(async move {
                    let service = pre.instantiate_async(&mut store).await?;
                    let (req, io) = wasmtime_wasi_http::p3::Request::from_http(
                        store.data_mut().hooks(),
                        request,
                    );
                    store
                        .run_concurrent(async move |store| -> wasmtime::Result<()> {
                            let response = match service.handle(store, req).await? {
                                Ok(response) => response,
                                Err(code) => {
                                    return Err(wasmtime::format_err!(
                                        "the component answered {code:?}"
                                    ));
                                }
                            };
                            let response = store.with(|store| response.into_http(store, io))?;
                            let (parts, body) = response.into_parts();
                            let (read, done) = tokio::sync::oneshot::channel::<()>();
                            let body = UntilRead { body, _read: read }
                                .map_err(|e| std::io::Error::other(format!("{e:?}")))
                                .boxed_unsync();
                            if sender.send(http::Response::from_parts(parts, body)).is_ok() {
                                let _ = done.await;
                            }
                            Ok(())
                        })
                        .await?
                });
                match receiver.await {
                    Ok(response) => Ok(response),
                    Err(_) => Err(no_response(task).await),
                }
            }
        }
    }
}

/// The first import of `component` from a WASI 0.3 release candidate
/// (`wasi:*@0.3.0-rc-…`), which no Wasmtime this host is built on links.
fn release_candidate_import(engine: &wasmtime::Engine, component: &Component) -> Option<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name)
        .find(|name| name.starts_with("wasi:") && name.contains("@0.3.0-rc-"))
        .map(str::to_owned)
}

/// Why a request task ended without handing over a response.
async fn no_response(task: tokio::task::JoinHandle<wasmtime::Result<()>>) -> wasmtime::Error {
    match task.await {
        Ok(Err(error)) => error,
        Ok(Ok(())) => wasmtime::format_err!("the component returned without setting a response"),
        Err(join) => wasmtime::format_err!("the request task failed: {join}"),
    }
}

/// A response body that holds `_read` until it is dropped: the store's
/// event loop waits on the other end.
struct UntilRead<B> {
    body: B,
    _read: tokio::sync::oneshot::Sender<()>,
}

impl<B: http_body::Body + Unpin> http_body::Body for UntilRead<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
