//! [`ConnBody`]: a response body read from a connection the connector
//! owns, with the between-bytes timeout; at its clean end the connection
//! goes back to the pool, at any other end it is closed.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::time::Sleep;
use wasmtime_wasi_http::Error;

use super::pool::{Conn, Pool};

/// The body of a response the connector received.
pub(crate) struct ConnBody {
    incoming: Incoming,
    between_bytes: Duration,
    /// Armed while waiting for a frame.
    timer: Option<Pin<Box<Sleep>>>,
    /// The connection, until the body ends; returned to `pool` (if any) at
    /// a clean end, closed otherwise.
    conn: Option<Conn>,
    pool: Option<Arc<Pool>>,
}

impl ConnBody {
    pub(crate) fn new(
        incoming: Incoming,
        between_bytes: Duration,
        conn: Conn,
        pool: Option<Arc<Pool>>,
    ) -> ConnBody {
        let mut body = ConnBody {
            incoming,
            between_bytes,
            timer: None,
            conn: Some(conn),
            pool,
        };
        if body.incoming.is_end_stream() {
            body.release();
        }
        body
    }

    /// The exchange is over: the connection may serve another request.
    fn release(&mut self) {
        if let (Some(conn), Some(pool)) = (self.conn.take(), &self.pool) {
            pool.checkin(conn);
        }
    }

    /// The exchange failed or was cut short: the connection is closed.
    fn discard(&mut self) {
        self.conn = None;
    }
}

impl Body for ConnBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(None) => {
                this.timer = None;
                this.release();
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(frame))) => {
                this.timer = None;
                if this.incoming.is_end_stream() {
                    this.release();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => {
                this.timer = None;
                this.discard();
                Poll::Ready(Some(Err(if error.is_timeout() {
                    Error::HttpResponseTimeout
                } else {
                    Error::from(error)
                })))
            }
            Poll::Pending => {
                let between_bytes = this.between_bytes;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(between_bytes)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.timer = None;
                        this.discard();
                        Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}
