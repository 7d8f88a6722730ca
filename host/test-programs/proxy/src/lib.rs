//! hostile_proxy: a served component that tries to leak what the host
//! holds. `/trap` panics (a trap with a wasm backtrace, naming source
//! paths); `/echo-auth` answers with the `authorization` header it was
//! handed (`none` without one), as a component that replays its caller's
//! token would.

use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct HostileProxy;

wasip2::http::proxy::export!(HostileProxy);

impl Guest for HostileProxy {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        if path.starts_with("/trap") {
            panic!("hostile_proxy: secret internal state 0xdeadbeef at /srv/app/src/lib.rs");
        }
        let seen = request.headers().get("authorization");
        let text = match seen.first() {
            Some(value) => String::from_utf8_lossy(value).into_owned(),
            None => "none".to_owned(),
        };
        let response = OutgoingResponse::new(Fields::new());
        let body = response.body().expect("the first call to body() succeeds");
        ResponseOutparam::set(response_out, Ok(response));
        let stream = body.write().expect("the body stream");
        stream
            .blocking_write_and_flush(text.as_bytes())
            .expect("write the body");
        drop(stream);
        OutgoingBody::finish(body, None).expect("finish the body");
    }
}
