//! A keep-alive upstream that betrays its idle connections, against the
//! pooled connector: it closes each one silently a moment after answering,
//! or writes an unsolicited answer on it while it sits in the pool. A later
//! request must never be lost to such a connection, nor take the stray
//! bytes for its answer.

use crate::connector::host;
use crate::support::{self, args_options, run_on};
use caracal_host::outbound::{PoolPolicy, StaticResolver};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use test_programs_artifacts::RAW_HTTP;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the upstream does with a connection after its first answer.
#[derive(Clone, Copy, Debug)]
enum Betrayal {
    /// Closes it 50 ms later, without `connection: close`.
    ClosesSilently,
    /// Writes a `408` no request asked for, 50 ms later, and keeps it open.
    AnswersUnasked,
}

/// What the upstream has done so far.
#[derive(Default)]
struct Counts {
    accepted: AtomicUsize,
    betrayed: AtomicUsize,
}

/// Starts the upstream; returns its base URL and its counts.
async fn betraying_upstream(betrayal: Betrayal) -> (String, Arc<Counts>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new(Counts::default());
    let seen = counts.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            seen.accepted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream, betrayal, seen.clone()));
        }
    });
    (base, counts)
}

/// Answers `ok` to each request on `stream`, betraying it after the first.
async fn serve(
    mut stream: TcpStream,
    betrayal: Betrayal,
    counts: Arc<Counts>,
) -> std::io::Result<()> {
    let mut first = true;
    loop {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte).await? == 0 {
                return Ok(());
            }
            head.push(byte[0]);
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            .await?;
        if std::mem::take(&mut first) {
            // Late enough that the host has pooled the connection.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let betrayed = match betrayal {
                Betrayal::ClosesSilently => stream.shutdown().await,
                Betrayal::AnswersUnasked => {
                    stream
                        .write_all(b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 4\r\n\r\nlate")
                        .await
                }
            };
            counts.betrayed.fetch_add(1, Ordering::SeqCst);
            betrayed?;
            if matches!(betrayal, Betrayal::ClosesSilently) {
                return Ok(());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pooled_connection_the_upstream_betrayed_is_never_used() {
    for betrayal in [Betrayal::ClosesSilently, Betrayal::AnswersUnasked] {
        let (base, counts) = betraying_upstream(betrayal).await;
        let dir = tempfile::tempdir().unwrap();
        let toml = format!("allowed_outbound_hosts = [\"{base}\"]\n");
        let host = host(
            dir.path(),
            &toml,
            Arc::new(StaticResolver::new()),
            PoolPolicy::default(),
        );
        let agent = support::load(&host, RAW_HTTP);
        let url = format!("{base}/x");
        let first = run_on(&host, &agent, args_options(&["GET", &url]))
            .await
            .unwrap();
        assert_eq!(first.step("send").ok(), "200", "{betrayal:?}: {first}");
        assert_eq!(first.step("body").ok(), "ok", "{betrayal:?}: {first}");
        assert_eq!(host.connector().stats().idle, 1, "{betrayal:?}: pooled");
        support::eventually("the upstream betrays the pooled connection", || {
            counts.betrayed.load(Ordering::SeqCst) == 1
        })
        .await;
        let second = run_on(&host, &agent, args_options(&["GET", &url]))
            .await
            .unwrap();
        assert_eq!(second.step("send").ok(), "200", "{betrayal:?}: {second}");
        assert_eq!(
            second.step("body").ok(),
            "ok",
            "{betrayal:?}: the stray bytes are not an answer: {second}"
        );
        let stats = host.connector().stats();
        assert_eq!(
            (
                counts.accepted.load(Ordering::SeqCst),
                stats.connections_opened,
                stats.reused
            ),
            (2, 2, 0),
            "{betrayal:?}: the betrayed connection carried nothing"
        );
    }
}
