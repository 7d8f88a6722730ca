//! A real loopback HTTP/1.1 server for outbound tests: it records every
//! request it receives and answers as a small ticket API that requires a
//! secret token.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The token the upstream requires in `authorization`.
pub const SECRET: &str = "Bearer upstream-secret-7f3a";

/// One request as the upstream saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// A running upstream; it stops when the test's runtime does. Paths
/// containing `/slow` are answered after 10 s, `/wait3` after 3 s.
#[derive(Clone, Debug)]
pub struct Upstream {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Upstream {
    /// Starts listening on 127.0.0.1 with an OS-chosen port.
    pub async fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = Upstream {
            addr: listener.local_addr().unwrap(),
            seen: Arc::default(),
        };
        let seen = upstream.seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, seen).await;
                });
            }
        });
        upstream
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, seen: Arc<Mutex<Vec<Seen>>>) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut start = lines.next().unwrap_or_default().split(' ');
    let method = start.next().unwrap_or_default().to_string();
    let path = start.next().unwrap_or_default().to_string();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let request = Seen {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let delay = if request.path.contains("/slow") {
        10
    } else if request.path.contains("/wait3") {
        3
    } else {
        0
    };
    let (status, reply) = answer(&request);
    // An upstream that echoes the credential back in a response header: the
    // host must not let it reach the guest.
    let echo = request
        .headers
        .get("authorization")
        .cloned()
        .unwrap_or_default();
    seen.lock().unwrap().push(request);
    // A slow upstream: `/slow` answers after 10 s, `/wait3` after 3 s.
    tokio::time::sleep(std::time::Duration::from_secs(delay)).await;
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nx-echo-authorization: {echo}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
        reply.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// The ticket API: the secret token is required under `/api`.
fn answer(request: &Seen) -> (&'static str, String) {
    if request.path.starts_with("/api") {
        if request.headers.get("authorization").map(String::as_str) != Some(SECRET) {
            return (
                "401 Unauthorized",
                r#"{"error":"missing or wrong token"}"#.into(),
            );
        }
        if request.path.ends_with("/echo") {
            // An upstream that echoes the request's credential in its body.
            let echo = request
                .headers
                .get("authorization")
                .cloned()
                .unwrap_or_default();
            return ("200 OK", format!(r#"{{"you_sent":"{echo}"}}"#));
        }
        return match request.method.as_str() {
            "GET" => (
                "200 OK",
                r#"[{"id":1,"title":"printer on fire"},{"id":2,"title":"vpn down"}]"#.into(),
            ),
            "POST" => ("201 Created", r#"{"id":3}"#.into()),
            _ => ("405 Method Not Allowed", "{}".into()),
        };
    }
    ("200 OK", r#"{"ok":true}"#.into())
}
