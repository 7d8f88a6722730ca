//! raw_http: an unmodified `wasi:http` client that does not use the Caracal
//! SDK (zero-code governance), plus the sandbox's other doors.
//!
//! `raw_http <METHOD> <URL> [name=value ...] [--body TEXT]` sends one request
//! through `wasi:http/outgoing-handler` with exactly the headers given and
//! prints:
//!
//! - `RESULT send ok <status>` or `RESULT send err <error-code> <debug>` (the
//!   host's refusal is `HTTP-request-denied`);
//! - on a response, `RESULT header ok <name>: <value>` per response header
//!   and `RESULT body ok <body>`, then `RESULT trailer ok <name>: <value>`
//!   per response trailer.
//!
//! `raw_http files <DIR>` prints the environment it sees and whether it can
//! read and write in DIR (see `files`).
//!
//! Before the headers, `--connect-timeout-ms N` and
//! `--first-byte-timeout-ms N` set the request's `request-options`.
//!
//! `raw_http repeat <COUNT> <URL>` sends COUNT GETs of URL one after the
//! other, reading each body to its end, and prints `RESULT repeat ok
//! <answered>` and `RESULT latencies ok <ns>,<ns>,…` (each request, from
//! `handle` to the body's end, on the guest's monotonic clock): the
//! outbound benchmark's guest.
//!
//! `raw_http flood <COUNT> <URL>` sends COUNT GETs of URL and prints how
//! many were refused (a denial flood).
//!
//! `raw_http hoard <COUNT> <BYTES>` makes the host hold COUNT header maps
//! of BYTES each (a host-memory attack; see `hoard`).
//!
//! `raw_http doors <ADDR>` prints `RESULT env ok <n>` (the number of
//! environment variables the guest sees) and `RESULT socket ok connected` or
//! `RESULT socket err denied <error>` for a TCP connect to `ADDR`.

#[allow(
    unsafe_code,
    reason = "wit-bindgen generates the canonical ABI glue with unsafe code"
)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        inline: "
            package caracal:test-programs;
            world raw-http { import wasi:http/outgoing-handler@0.2.12; }
        ",
        world: "caracal:test-programs/raw-http",
        generate_all,
    });
}

use bindings::wasi::http::outgoing_handler;
use bindings::wasi::http::types::{
    Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use caracal_test_programs::{err, ok};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("doors") => doors(&args[1]),
        Some("files") => files(&args[1]),
        Some("flood") => flood(args[1].parse().unwrap(), &args[2]),
        Some("repeat") => repeat(args[1].parse().unwrap(), &args[2]),
        Some("hoard") => hoard(args[1].parse().unwrap(), args[2].parse().unwrap()),
        Some(_) if args.len() >= 2 => send(&args[0], &args[1], &args[2..]),
        _ => panic!("usage: raw_http <METHOD> <URL> [name=value ...] [--body TEXT] | doors <ADDR>"),
    }
}

fn doors(addr: &str) {
    ok("env", std::env::vars().count());
    match std::net::TcpStream::connect(addr) {
        Ok(_) => ok("socket", "connected"),
        Err(error) => err("socket", "denied", error),
    }
}

fn send(method: &str, url: &str, rest: &[String]) {
    let mut headers = Vec::new();
    let mut body = None;
    let mut connect_ms = None;
    let mut first_byte_ms = None;
    let mut items = rest.iter();
    while let Some(item) = items.next() {
        if item == "--body" {
            body = items.next().cloned();
        } else if item == "--connect-timeout-ms" {
            connect_ms = items.next().map(|ms| ms.parse::<u64>().expect("ms"));
        } else if item == "--first-byte-timeout-ms" {
            first_byte_ms = items.next().map(|ms| ms.parse::<u64>().expect("ms"));
        } else {
            let (name, value) = item.split_once('=').expect("name=value");
            headers.push((name.to_string(), value.as_bytes().to_vec()));
        }
    }
    let fields = Fields::from_list(&headers).expect("valid headers");
    let request = request_to(method, url, fields);
    let outgoing = request.body().expect("body");
    if let Some(text) = &body {
        let stream = outgoing.write().expect("body stream");
        for chunk in text.as_bytes().chunks(4096) {
            stream.blocking_write_and_flush(chunk).expect("write body");
        }
    }
    let options = (connect_ms.is_some() || first_byte_ms.is_some()).then(|| {
        let options = RequestOptions::new();
        let ns = |ms: u64| ms * 1_000_000;
        options
            .set_connect_timeout(connect_ms.map(ns))
            .expect("connect timeout");
        options
            .set_first_byte_timeout(first_byte_ms.map(ns))
            .expect("first-byte timeout");
        options
    });
    let pending = match outgoing_handler::handle(request, options) {
        Ok(pending) => pending,
        Err(code) => return err("send", &error_name(&code), format!("{code:?}")),
    };
    OutgoingBody::finish(outgoing, None).expect("finish body");
    pending.subscribe().block();
    let response = match pending.get().expect("ready").expect("once") {
        Ok(response) => response,
        Err(code) => return err("send", &error_name(&code), format!("{code:?}")),
    };
    ok("send", response.status());
    for (name, value) in response.headers().entries() {
        ok(
            "header",
            format!("{name}: {}", String::from_utf8_lossy(&value)),
        );
    }
    let incoming = response.consume().expect("response body");
    let stream = incoming.stream().expect("body stream");
    let mut bytes = Vec::new();
    while let Ok(chunk) = stream.blocking_read(64 * 1024) {
        bytes.extend_from_slice(&chunk);
    }
    ok("body", String::from_utf8_lossy(&bytes));
    drop(stream);
    let trailers = IncomingBody::finish(incoming);
    trailers.subscribe().block();
    if let Some(Ok(Ok(Some(fields)))) = trailers.get() {
        for (name, value) in fields.entries() {
            ok(
                "trailer",
                format!("{name}: {}", String::from_utf8_lossy(&value)),
            );
        }
    }
}

/// What the host gave the guest besides `wasi:http`: prints every
/// environment variable (`RESULT env ok NAME=VALUE`), then `RESULT read ok
/// <text>` for `<dir>/hello.txt` and `RESULT write ok` (or `err`) for
/// creating `<dir>/written.txt`.
fn files(dir: &str) {
    for (name, value) in std::env::vars() {
        ok("env", format!("{name}={value}"));
    }
    match std::fs::read_to_string(format!("{dir}/hello.txt")) {
        Ok(text) => ok("read", text.trim()),
        Err(e) => err("read", "denied", e),
    }
    match std::fs::write(format!("{dir}/written.txt"), b"from the guest") {
        Ok(()) => ok("write", "written"),
        Err(e) => err("write", "denied", e),
    }
}

/// A request for `method` and the absolute `url`, with `fields`.
fn request_to(method: &str, url: &str, fields: Fields) -> OutgoingRequest {
    let (scheme, rest) = url.split_once("://").expect("absolute URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let request = OutgoingRequest::new(fields);
    request
        .set_method(&match method {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            other => Method::Other(other.to_string()),
        })
        .expect("method");
    request
        .set_scheme(Some(&if scheme == "https" {
            Scheme::Https
        } else {
            Scheme::Http
        }))
        .expect("scheme");
    request.set_authority(Some(authority)).expect("authority");
    request
        .set_path_with_query(Some(if path.is_empty() { "/" } else { path }))
        .expect("path");
    request
}

/// `count` sequential GETs of `url`, each body read to its end; prints how
/// many were answered and each one's latency in nanoseconds.
fn repeat(count: usize, url: &str) {
    let mut answered = 0;
    let mut latencies = Vec::with_capacity(count);
    for _ in 0..count {
        let started = std::time::Instant::now();
        let request = request_to("GET", url, Fields::new());
        let Ok(pending) = outgoing_handler::handle(request, None) else {
            continue;
        };
        pending.subscribe().block();
        let Some(Ok(Ok(response))) = pending.get() else {
            continue;
        };
        let incoming = response.consume().expect("response body");
        let stream = incoming.stream().expect("body stream");
        while stream.blocking_read(64 * 1024).is_ok() {}
        drop(stream);
        drop(IncomingBody::finish(incoming));
        latencies.push(started.elapsed().as_nanos().to_string());
        answered += 1;
    }
    ok("repeat", answered);
    ok("latencies", latencies.join(","));
}

/// A denial flood: `count` GETs of `url`, printing `RESULT flood ok
/// <denied>` (how many the host refused).
fn flood(count: usize, url: &str) {
    let mut denied = 0;
    for _ in 0..count {
        let request = request_to("GET", url, Fields::new());
        match outgoing_handler::handle(request, None) {
            Err(_) => denied += 1,
            Ok(pending) => {
                pending.subscribe().block();
                if !matches!(pending.get(), Some(Ok(Ok(_)))) {
                    denied += 1;
                }
            }
        }
    }
    ok("flood", denied);
}

/// A greedy guest: makes the host hold `count` header maps of one
/// `bytes`-long value each, keeping them all, printing `RESULT hoard ok <n>`
/// every 1000 (its own linear memory stays small: the value is built once).
fn hoard(count: usize, bytes: usize) {
    let value = vec![b'x'; bytes];
    let mut held = Vec::new();
    for n in 1..=count {
        let fields = Fields::new();
        if let Err(e) = fields.append("x-hoard", &value) {
            return err("hoard", "refused", format!("{e:?} after {n}"));
        }
        held.push(fields);
        if n % 1000 == 0 {
            ok("hoard", n);
        }
    }
    ok("hoard", format!("done {}", held.len()));
}

/// The WIT name of an error code, e.g. `HTTP-request-denied`.
fn error_name(code: &bindings::wasi::http::types::ErrorCode) -> String {
    use bindings::wasi::http::types::ErrorCode;
    match code {
        ErrorCode::HttpRequestDenied => "HTTP-request-denied".into(),
        other => format!("{other:?}")
            .split(['(', ' ', '{'])
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}
