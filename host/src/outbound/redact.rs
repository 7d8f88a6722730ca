//! [`Redacted`]: a response body with every occurrence of the injected
//! credential masked, so an upstream that echoes request headers in its
//! body cannot hand the credential to the guest.
//!
//! Occurrences split across chunks are caught: the last `secret.len() - 1`
//! bytes of each chunk are held back until the next chunk (or the end)
//! shows whether they begin the secret. The mask has the secret's length,
//! so the body's length does not change.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A body whose data frames are masked where they carry `secret`.
pub(crate) struct Redacted<B> {
    inner: B,
    secret: Vec<u8>,
    held: Vec<u8>,
    done: bool,
}

impl<B> Redacted<B> {
    pub(crate) fn new(inner: B, secret: &[u8]) -> Redacted<B> {
        Redacted {
            inner,
            secret: secret.to_vec(),
            held: Vec::new(),
            done: false,
        }
    }

    /// Masks what is held and returns all of it but the tail that could
    /// still begin the secret (all of it when `last`).
    fn release(&mut self, last: bool) -> Bytes {
        mask(&mut self.held, &self.secret);
        let keep = if last {
            0
        } else {
            self.secret.len().saturating_sub(1).min(self.held.len())
        };
        let tail = self.held.split_off(self.held.len() - keep);
        Bytes::from(std::mem::replace(&mut self.held, tail))
    }
}

/// Overwrites every occurrence of `secret` in `buffer` with `*`.
fn mask(buffer: &mut [u8], secret: &[u8]) {
    if secret.is_empty() || buffer.len() < secret.len() {
        return;
    }
    let mut at = 0;
    while at + secret.len() <= buffer.len() {
        if &buffer[at..at + secret.len()] == secret {
            buffer[at..at + secret.len()].fill(b'*');
            at += secret.len();
        } else {
            at += 1;
        }
    }
}

impl<B> Body for Redacted<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        this.held.extend_from_slice(&data);
                        let out = this.release(false);
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(out))));
                        }
                    }
                    Err(trailers) => {
                        // Trailers end the data: flush what is held first.
                        let out = this.release(true);
                        if out.is_empty() {
                            return Poll::Ready(Some(Ok(trailers)));
                        }
                        // Trailers after the flush are dropped: the guest
                        // reads the body, which is what matters here.
                        this.done = true;
                        return Poll::Ready(Some(Ok(Frame::data(out))));
                    }
                },
                Poll::Ready(None) => {
                    this.done = true;
                    let out = this.release(true);
                    return Poll::Ready((!out.is_empty()).then(|| Ok(Frame::data(out))));
                }
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;
    use std::collections::VecDeque;

    /// A body yielding the given chunks one frame at a time.
    struct Chunks(VecDeque<Bytes>);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(|chunk| Ok(Frame::data(chunk))))
        }
    }

    async fn redact(chunks: &[&str], secret: &str) -> String {
        let body = Chunks(chunks.iter().map(|c| Bytes::from(c.to_string())).collect());
        let collected = Redacted::new(body, secret.as_bytes())
            .collect()
            .await
            .unwrap()
            .to_bytes();
        String::from_utf8(collected.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn masks_whole_and_split_occurrences_keeping_the_length() {
        let secret = "Bearer s3cr3t";
        assert_eq!(
            redact(&[r#"{"echo":"Bearer s3cr3t"}"#], secret).await,
            r#"{"echo":"*************"}"#
        );
        assert_eq!(
            redact(&["a Bear", "er s3", "cr3t b"], secret).await,
            "a ************* b"
        );
        assert_eq!(redact(&["no secret here"], secret).await, "no secret here");
        assert_eq!(redact(&["Bearer s3cr3", ""], secret).await, "Bearer s3cr3");
    }
}
