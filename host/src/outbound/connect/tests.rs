//! The pool's bounds and reaping, against a real loopback keep-alive
//! server, driving the connector directly.

use super::*;
use http_body_util::{BodyExt as _, Empty, Full};
use std::convert::Infallible;

/// A keep-alive server answering `ok`; returns its address.
async fn server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_request| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(bytes::Bytes::from_static(
                        b"ok",
                    ))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

fn get(addr: SocketAddr) -> http::Request<WasiBody> {
    http::Request::get(format!("http://{addr}/"))
        .header("host", addr.to_string())
        .body(Empty::new().map_err(|never| match never {}).boxed_unsync())
        .unwrap()
}

fn plain() -> Destination {
    Destination {
        reach: Reach::Named,
        class: PoolClass::Plain,
    }
}

async fn fetch(connector: &Connector, addr: SocketAddr) -> http::Response<ConnBody> {
    match connector.send(get(addr), None, plain()).await {
        Ok((response, driver)) => {
            if let Some(driver) = driver {
                tokio::spawn(driver);
            }
            response
        }
        Err(error) => panic!("{error:?}"),
    }
}

#[tokio::test]
async fn idle_connections_are_bounded_per_key_and_reaped() {
    let addr = server().await;
    let connector = Connector::new(ConnectorOptions {
        pool: PoolPolicy {
            max_idle_per_key: 2,
            ..PoolPolicy::default()
        },
        ..ConnectorOptions::default()
    });
    // Three exchanges open at once need three connections …
    let responses = [
        fetch(&connector, addr).await,
        fetch(&connector, addr).await,
        fetch(&connector, addr).await,
    ];
    assert_eq!(connector.stats().connections_opened, 3);
    for response in responses {
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"ok");
    }
    // … of which the pool keeps two.
    assert_eq!(connector.stats().idle, 2);
    let pool = connector.pool.as_ref().unwrap();
    assert_eq!(
        pool.reap(tokio::time::Instant::now()),
        0,
        "not idle long enough"
    );
    let later = tokio::time::Instant::now() + PoolPolicy::default().idle_timeout;
    assert_eq!(pool.reap(later), 2);
    assert_eq!(connector.stats().idle, 0);
}

#[tokio::test]
async fn the_total_bound_holds_across_keys() {
    let (first, second) = (server().await, server().await);
    let connector = Connector::new(ConnectorOptions {
        pool: PoolPolicy {
            max_idle: 1,
            ..PoolPolicy::default()
        },
        ..ConnectorOptions::default()
    });
    let responses = [
        fetch(&connector, first).await,
        fetch(&connector, second).await,
    ];
    for response in responses {
        response.into_body().collect().await.unwrap();
    }
    assert_eq!(connector.stats().idle, 1);
}

#[tokio::test]
async fn a_body_dropped_before_its_end_closes_the_connection() {
    let addr = server().await;
    let connector = Connector::new(ConnectorOptions::default());
    let response = fetch(&connector, addr).await;
    drop(response);
    assert_eq!(connector.stats().idle, 0);
    fetch(&connector, addr)
        .await
        .into_body()
        .collect()
        .await
        .unwrap();
    assert_eq!(connector.stats().connections_opened, 2);
    assert_eq!(connector.stats().idle, 1);
}

#[tokio::test]
async fn a_public_reach_refuses_a_literal_special_address() {
    let addr = server().await;
    let connector = Connector::new(ConnectorOptions::default());
    let destination = Destination {
        reach: Reach::Public,
        class: PoolClass::Plain,
    };
    let refused = connector.send(get(addr), None, destination).await;
    assert!(matches!(
        refused,
        Err(SendError::Refused {
            class: SpecialAddress::Loopback,
            ..
        })
    ));
    assert_eq!(connector.stats().connections_opened, 0);
}
