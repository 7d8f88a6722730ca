//! [`Revocable`]: a response body that stops the moment the session it was
//! fetched under is no longer live, so revocation also ends a body that is
//! still streaming, not only the wait for the response head.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use caracal_authority::{AuthorityError, SessionId};
use http_body::{Body, Frame, SizeHint};
use wasmtime_wasi_http::Error;

use super::Governor;

/// Resolves when the session is no longer live ([`watch`]).
pub(crate) type Watch = Pin<Box<dyn Future<Output = AuthorityError> + Send>>;

/// One watch per exchange: it guards the wait for the response head, then
/// the body.
pub(crate) fn watch(governor: Arc<Governor>, session: SessionId) -> Watch {
    Box::pin(async move { governor.until_not_live(&session).await })
}

/// A body read under `session`'s authority.
pub(crate) struct Revocable<B> {
    /// `None` once cut off: dropping it closes its connection (never
    /// pooled).
    inner: Option<B>,
    /// Resolves when the session is no longer live; `None` once the body
    /// has ended (or been cut off).
    watch: Option<Watch>,
    session: SessionId,
}

impl<B> Revocable<B> {
    pub(crate) fn new(inner: B, watch: Watch, session: SessionId) -> Revocable<B> {
        Revocable {
            inner: Some(inner),
            watch: Some(watch),
            session,
        }
    }
}

impl<B> Body for Revocable<B>
where
    B: Body<Data = Bytes, Error = Error> + Unpin,
{
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        if let Some(watch) = this.watch.as_mut()
            && let Poll::Ready(error) = watch.as_mut().poll(cx)
        {
            this.watch = None;
            this.inner = None;
            tracing::warn!(session = %this.session, %error, "outbound response body cut off: authority revoked");
            return Poll::Ready(Some(Err(Error::HttpRequestDenied)));
        }
        let frame = Pin::new(inner).poll_frame(cx);
        if matches!(frame, Poll::Ready(None)) {
            this.watch = None;
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}
