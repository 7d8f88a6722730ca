//! One request/response exchange over `wasi:http/outgoing-handler@0.2.12`,
//! through the `wasip2` crate's bindings.
//!
//! The body is written in chunks of at most 4096 bytes (the most
//! `output-stream.blocking-write-and-flush` takes at once) after the request
//! is handed to the host, so the host can stream it; the response body is
//! read to its end. `wasi:http` never follows redirects.

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    self as wasi, ErrorCode, FieldSizePayload, Fields, FutureIncomingResponse, HeaderError,
    IncomingBody, IncomingResponse, OutgoingBody, OutgoingRequest, RequestOptions,
};
use wasip2::io::streams::StreamError;

use super::error::TransportError;

/// Most bytes one `blocking-write-and-flush` may take.
const WRITE_CHUNK: usize = 4096;
/// Most bytes asked for per read of the response body.
const READ_CHUNK: u64 = 64 * 1024;

/// A request, checked and with its envelope applied, ready for the wire.
#[derive(Debug)]
pub(crate) struct Outgoing<'a> {
    pub(crate) method: &'a Method,
    /// `http` or `https`.
    pub(crate) scheme: &'a str,
    pub(crate) authority: &'a str,
    pub(crate) path_with_query: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
    pub(crate) timeout: Option<Duration>,
}

/// Sends `out` and reads the whole response.
pub(crate) fn send(out: &Outgoing<'_>) -> Result<Response<Vec<u8>>, TransportError> {
    let request = OutgoingRequest::new(fields(out.headers)?);
    request
        .set_method(&method(out.method))
        .map_err(|()| invalid(format!("method {} is not accepted", out.method)))?;
    let scheme = match out.scheme {
        "http" => wasi::Scheme::Http,
        "https" => wasi::Scheme::Https,
        other => wasi::Scheme::Other(other.to_owned()),
    };
    request
        .set_scheme(Some(&scheme))
        .map_err(|()| invalid(format!("scheme {} is not accepted", out.scheme)))?;
    request
        .set_authority(Some(out.authority))
        .map_err(|()| invalid(format!("authority {} is not accepted", out.authority)))?;
    request
        .set_path_with_query(Some(out.path_with_query))
        .map_err(|()| invalid(format!("path {} is not accepted", out.path_with_query)))?;
    let options = out.timeout.map(request_options).transpose()?;
    // No body resource at all for an empty body, so that the host knows the
    // body is empty instead of streaming (chunked) nothing.
    let body = match out.body {
        [] => None,
        _ => Some(
            request
                .body()
                .map_err(|()| io("the request body was already taken"))?,
        ),
    };

    let future = outgoing_handler::handle(request, options).map_err(from_code)?;
    if let Some(body) = body
        && let Err(write_error) = write_body(body, out.body)
    {
        // The body is dropped unfinished, which aborts the request. If the
        // request failed for a reason of its own (a denial, a refused
        // connection), that reason is the better error.
        return Err(match wait(&future) {
            Err(error @ (TransportError::Denied | TransportError::Http(_))) => error,
            _ => write_error,
        });
    }
    read_response(wait(&future)?)
}

fn fields(headers: &HeaderMap) -> Result<Fields, TransportError> {
    let fields = Fields::new();
    for (name, value) in headers {
        fields
            .append(name.as_str(), value.as_bytes())
            .map_err(|error| {
                invalid(match error {
                    HeaderError::Forbidden => {
                        format!("header `{name}` is forbidden by wasi:http; the host sets it")
                    }
                    HeaderError::InvalidSyntax => format!("header `{name}` is not valid"),
                    HeaderError::Immutable => format!("header `{name}` cannot be set"),
                })
            })?;
    }
    Ok(fields)
}

fn method(method: &Method) -> wasi::Method {
    match *method {
        Method::GET => wasi::Method::Get,
        Method::HEAD => wasi::Method::Head,
        Method::POST => wasi::Method::Post,
        Method::PUT => wasi::Method::Put,
        Method::DELETE => wasi::Method::Delete,
        Method::CONNECT => wasi::Method::Connect,
        Method::OPTIONS => wasi::Method::Options,
        Method::TRACE => wasi::Method::Trace,
        Method::PATCH => wasi::Method::Patch,
        ref other => wasi::Method::Other(other.as_str().to_owned()),
    }
}

/// The same `timeout` for connecting, the first response byte and the gap
/// between response bytes.
fn request_options(timeout: Duration) -> Result<RequestOptions, TransportError> {
    let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
    let options = RequestOptions::new();
    let unsupported = |which: &str| invalid(format!("the host does not support a {which} timeout"));
    options
        .set_connect_timeout(Some(nanos))
        .map_err(|()| unsupported("connect"))?;
    options
        .set_first_byte_timeout(Some(nanos))
        .map_err(|()| unsupported("first-byte"))?;
    options
        .set_between_bytes_timeout(Some(nanos))
        .map_err(|()| unsupported("between-bytes"))?;
    Ok(options)
}

fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<(), TransportError> {
    {
        let stream = body
            .write()
            .map_err(|()| io("the request body stream was already taken"))?;
        for chunk in bytes.chunks(WRITE_CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(stream_error)?;
        }
        // The stream is a child of the body: dropped before `finish`.
    }
    OutgoingBody::finish(body, None).map_err(from_code)
}

fn wait(future: &FutureIncomingResponse) -> Result<IncomingResponse, TransportError> {
    loop {
        match future.get() {
            Some(Ok(Ok(response))) => return Ok(response),
            Some(Ok(Err(code))) => return Err(from_code(code)),
            Some(Err(())) => return Err(io("the response was already taken")),
            None => future.subscribe().block(),
        }
    }
}

fn read_response(response: IncomingResponse) -> Result<Response<Vec<u8>>, TransportError> {
    let status = response.status();
    let status = StatusCode::from_u16(status)
        .map_err(|_| TransportError::Http(format!("invalid response status {status}")))?;
    let entries = response.headers().entries();
    let body = response
        .consume()
        .map_err(|()| io("the response body was already taken"))?;
    let mut bytes = Vec::new();
    {
        let stream = body
            .stream()
            .map_err(|()| io("the response body stream was already taken"))?;
        loop {
            match stream.blocking_read(READ_CHUNK) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(error)) => {
                    return Err(stream_error(StreamError::LastOperationFailed(error)));
                }
            }
        }
        // The stream is a child of the body: dropped before `finish`.
    }
    drop(IncomingBody::finish(body));

    let mut out = Response::new(bytes);
    *out.status_mut() = status;
    let headers = out.headers_mut();
    for (name, value) in entries {
        // The host hands over what hyper parsed, so these are valid.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(&value),
        ) {
            headers.append(name, value);
        }
    }
    Ok(out)
}

fn stream_error(error: StreamError) -> TransportError {
    match error {
        StreamError::Closed => io("the stream was closed"),
        StreamError::LastOperationFailed(error) => match wasi::http_error_code(&error) {
            Some(code) => from_code(code),
            // The host cuts off a body when the session's authority is
            // revoked mid-read. Wasmtime (48) does not give body-stream
            // errors an error code, only this text: it is a denial all the
            // same. (The text is the error's `Debug` form, which carries a
            // backtrace after it when the host captures them, as with
            // RUST_BACKTRACE set: only its first line is the message.)
            None => match error.to_debug_string() {
                text if text.lines().next().map(str::trim) == Some(HOST_DENIED_TEXT) => {
                    TransportError::Denied
                }
                text => io(text),
            },
        },
    }
}

/// How wasmtime-wasi-http words `HTTP-request-denied` in a stream error.
const HOST_DENIED_TEXT: &str = "HTTP request denied";

fn invalid(why: String) -> TransportError {
    TransportError::InvalidRequest(why)
}

fn io(why: impl Into<String>) -> TransportError {
    TransportError::Io(why.into())
}

/// `HTTP-request-denied` becomes [`TransportError::Denied`]; every other code
/// [`TransportError::Http`] with its WIT name.
pub(crate) fn from_code(code: ErrorCode) -> TransportError {
    match code {
        ErrorCode::HttpRequestDenied => TransportError::Denied,
        other => TransportError::Http(describe(&other)),
    }
}

/// The WIT name of `code`, then `: ` and its payload when it has one.
fn describe(code: &ErrorCode) -> String {
    use ErrorCode as E;
    let size = |n: Option<u64>| n.map(|n| format!("{n}"));
    let field = |p: &FieldSizePayload| {
        let name = p.field_name.as_deref().unwrap_or("?");
        Some(match p.field_size {
            Some(size) => format!("{name} ({size} bytes)"),
            None => name.to_owned(),
        })
    };
    let (name, detail) = match code {
        E::DnsTimeout => ("DNS-timeout", None),
        E::DnsError(p) => (
            "DNS-error",
            match (&p.rcode, p.info_code) {
                (None, None) => None,
                (rcode, info) => Some(format!(
                    "rcode {}, info code {}",
                    rcode.as_deref().unwrap_or("?"),
                    info.map_or("?".to_owned(), |c| c.to_string())
                )),
            },
        ),
        E::DestinationNotFound => ("destination-not-found", None),
        E::DestinationUnavailable => ("destination-unavailable", None),
        E::DestinationIpProhibited => ("destination-IP-prohibited", None),
        E::DestinationIpUnroutable => ("destination-IP-unroutable", None),
        E::ConnectionRefused => ("connection-refused", None),
        E::ConnectionTerminated => ("connection-terminated", None),
        E::ConnectionTimeout => ("connection-timeout", None),
        E::ConnectionReadTimeout => ("connection-read-timeout", None),
        E::ConnectionWriteTimeout => ("connection-write-timeout", None),
        E::ConnectionLimitReached => ("connection-limit-reached", None),
        E::TlsProtocolError => ("TLS-protocol-error", None),
        E::TlsCertificateError => ("TLS-certificate-error", None),
        E::TlsAlertReceived(p) => (
            "TLS-alert-received",
            p.alert_message
                .clone()
                .or_else(|| p.alert_id.map(|id| format!("alert {id}"))),
        ),
        E::HttpRequestDenied => ("HTTP-request-denied", None),
        E::HttpRequestLengthRequired => ("HTTP-request-length-required", None),
        E::HttpRequestBodySize(n) => ("HTTP-request-body-size", size(*n)),
        E::HttpRequestMethodInvalid => ("HTTP-request-method-invalid", None),
        E::HttpRequestUriInvalid => ("HTTP-request-URI-invalid", None),
        E::HttpRequestUriTooLong => ("HTTP-request-URI-too-long", None),
        E::HttpRequestHeaderSectionSize(n) => {
            ("HTTP-request-header-section-size", size(n.map(u64::from)))
        }
        E::HttpRequestHeaderSize(p) => ("HTTP-request-header-size", p.as_ref().and_then(field)),
        E::HttpRequestTrailerSectionSize(n) => {
            ("HTTP-request-trailer-section-size", size(n.map(u64::from)))
        }
        E::HttpRequestTrailerSize(p) => ("HTTP-request-trailer-size", field(p)),
        E::HttpResponseIncomplete => ("HTTP-response-incomplete", None),
        E::HttpResponseHeaderSectionSize(n) => {
            ("HTTP-response-header-section-size", size(n.map(u64::from)))
        }
        E::HttpResponseHeaderSize(p) => ("HTTP-response-header-size", field(p)),
        E::HttpResponseBodySize(n) => ("HTTP-response-body-size", size(*n)),
        E::HttpResponseTrailerSectionSize(n) => {
            ("HTTP-response-trailer-section-size", size(n.map(u64::from)))
        }
        E::HttpResponseTrailerSize(p) => ("HTTP-response-trailer-size", field(p)),
        E::HttpResponseTransferCoding(c) => ("HTTP-response-transfer-coding", c.clone()),
        E::HttpResponseContentCoding(c) => ("HTTP-response-content-coding", c.clone()),
        E::HttpResponseTimeout => ("HTTP-response-timeout", None),
        E::HttpUpgradeFailed => ("HTTP-upgrade-failed", None),
        E::HttpProtocolError => ("HTTP-protocol-error", None),
        E::LoopDetected => ("loop-detected", None),
        E::ConfigurationError => ("configuration-error", None),
        E::InternalError(message) => ("internal-error", message.clone()),
    };
    match detail {
        Some(detail) => format!("{name}: {detail}"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denial_has_its_own_variant() {
        assert_eq!(
            from_code(ErrorCode::HttpRequestDenied),
            TransportError::Denied
        );
    }

    #[test]
    fn codes_are_described_by_their_wit_names() {
        let described = |code| match from_code(code) {
            TransportError::Http(text) => text,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            described(ErrorCode::ConnectionRefused),
            "connection-refused"
        );
        assert_eq!(
            described(ErrorCode::InternalError(Some("boom".into()))),
            "internal-error: boom"
        );
        assert_eq!(
            described(ErrorCode::HttpRequestBodySize(Some(10))),
            "HTTP-request-body-size: 10"
        );
        assert_eq!(
            described(ErrorCode::HttpResponseHeaderSize(FieldSizePayload {
                field_name: Some("x-big".into()),
                field_size: Some(9000),
            })),
            "HTTP-response-header-size: x-big (9000 bytes)"
        );
    }

    #[test]
    fn methods_map_to_wit() {
        assert!(matches!(method(&Method::PATCH), wasi::Method::Patch));
        let custom = Method::from_bytes(b"PURGE").unwrap();
        assert!(matches!(method(&custom), wasi::Method::Other(m) if m == "PURGE"));
    }
}
