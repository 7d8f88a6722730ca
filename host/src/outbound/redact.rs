//! What the host does to an upstream's answer on a credential route, so
//! that whatever the upstream echoes (in a header, a challenge, the body or
//! a trailer) the guest never sees the injected credential:
//!
//! - [`CredentialForms`]: every form of the secret the host knows (the
//!   injected value, the bare secret, and its percent-encoded and base64
//!   spellings), masked with `*` of the same length wherever they occur.
//! - [`Redacted`]: a body whose data frames and trailers are masked.
//!   Occurrences split across chunks are caught: the last `longest - 1`
//!   bytes of each chunk are held back until the next chunk (or the end)
//!   shows whether they begin a form. Lengths do not change.
//!
//! The host asks the upstream for an unencoded answer on credential routes
//! and refuses a compressed one (see `OutboundPolicy`): masking cannot see
//! into compressed bytes.

use base64::Engine as _;
use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The spellings of one credential that are masked.
#[derive(Debug)]
pub(crate) struct CredentialForms {
    /// Longest first, so a longer form is masked whole before a shorter
    /// one inside it.
    forms: Vec<Vec<u8>>,
}

/// Forms shorter than this are not masked alone (masking every `a` of a
/// one-letter secret would destroy the body and protect nothing).
const SHORTEST_MASKED: usize = 4;

impl CredentialForms {
    /// The forms of a credential injected as `injected` whose bare secret
    /// is `secret`.
    pub(crate) fn new(injected: &str, secret: &str) -> CredentialForms {
        let base64 = base64::engine::general_purpose::STANDARD;
        let url_base64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut forms: Vec<Vec<u8>> = [
            injected.as_bytes().to_vec(),
            secret.as_bytes().to_vec(),
            percent_encode(secret).into_bytes(),
            base64.encode(secret).into_bytes(),
            url_base64.encode(secret).into_bytes(),
        ]
        .into_iter()
        .filter(|form| form.len() >= SHORTEST_MASKED)
        .collect();
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        forms.dedup();
        CredentialForms { forms }
    }

    /// The longest form's length.
    fn longest(&self) -> usize {
        self.forms.first().map_or(0, Vec::len)
    }

    /// Overwrites every occurrence of every form in `buffer` with `*`;
    /// returns whether anything was masked.
    pub(crate) fn mask(&self, buffer: &mut [u8]) -> bool {
        let mut masked = false;
        for form in &self.forms {
            let mut at = 0;
            while at + form.len() <= buffer.len() {
                if buffer[at..at + form.len()] == form[..] {
                    buffer[at..at + form.len()].fill(b'*');
                    masked = true;
                    at += form.len();
                } else {
                    at += 1;
                }
            }
        }
        masked
    }

    /// Masks every header value (challenges, `location`, cookies, …) in
    /// place; a masked value stays a valid header value.
    pub(crate) fn mask_headers(&self, headers: &mut HeaderMap) {
        for (name, value) in headers.iter_mut() {
            let mut bytes = value.as_bytes().to_vec();
            if self.mask(&mut bytes) {
                tracing::warn!(header = %name, "masked the injected credential in an upstream response header");
                if let Ok(mut masked) = http::HeaderValue::from_bytes(&bytes) {
                    masked.set_sensitive(true);
                    *value = masked;
                }
            }
        }
    }
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A body whose data frames and trailers are masked where they carry a
/// form of the credential.
pub(crate) struct Redacted<B> {
    inner: B,
    forms: Arc<CredentialForms>,
    held: Vec<u8>,
    /// Trailers that arrived while data was still held back: sent next.
    trailers: Option<HeaderMap>,
    done: bool,
}

impl<B> Redacted<B> {
    pub(crate) fn new(inner: B, forms: Arc<CredentialForms>) -> Redacted<B> {
        Redacted {
            inner,
            forms,
            held: Vec::new(),
            trailers: None,
            done: false,
        }
    }

    /// Masks what is held and returns all of it but the tail that could
    /// still begin a form (all of it when `last`).
    fn release(&mut self, last: bool) -> Bytes {
        self.forms.mask(&mut self.held);
        let keep = if last {
            0
        } else {
            self.forms.longest().saturating_sub(1).min(self.held.len())
        };
        let tail = self.held.split_off(self.held.len() - keep);
        Bytes::from(std::mem::replace(&mut self.held, tail))
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
            if let Some(trailers) = this.trailers.take() {
                this.done = true;
                return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
            }
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
                    Err(frame) => {
                        let Ok(mut trailers) = frame.into_trailers() else {
                            // A frame kind http-body may add later: not
                            // inspected, so not passed on.
                            continue;
                        };
                        this.forms.mask_headers(&mut trailers);
                        // Trailers end the data: what is held goes first.
                        this.trailers = Some(trailers);
                        let out = this.release(true);
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(out))));
                        }
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

    fn is_end_stream(&self) -> bool {
        self.done && self.trailers.is_none()
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

    /// A body yielding the given frames one at a time.
    struct Frames(VecDeque<Frame<Bytes>>);

    impl Body for Frames {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(Ok))
        }
    }

    fn forms() -> Arc<CredentialForms> {
        Arc::new(CredentialForms::new("Bearer s3cr3t/x", "s3cr3t/x"))
    }

    async fn redact(frames: Vec<Frame<Bytes>>) -> (String, Option<HeaderMap>) {
        let collected = Redacted::new(Frames(frames.into()), forms())
            .collect()
            .await
            .unwrap();
        let trailers = collected.trailers().cloned();
        let body = String::from_utf8(collected.to_bytes().to_vec()).unwrap();
        (body, trailers)
    }

    fn data(chunks: &[&str]) -> Vec<Frame<Bytes>> {
        chunks
            .iter()
            .map(|c| Frame::data(Bytes::from(c.to_string())))
            .collect()
    }

    #[tokio::test]
    async fn masks_every_form_whole_and_split_keeping_the_length() {
        for (chunks, expected) in [
            (
                vec![r#"{"echo":"Bearer s3cr3t/x"}"#],
                r#"{"echo":"***************"}"#,
            ),
            (vec![r#"{"token":"s3cr3t/x"}"#], r#"{"token":"********"}"#),
            (vec!["a Bear", "er s3", "cr3t/x b"], "a *************** b"),
            (vec!["q=s3cr3t%2Fx"], "q=**********"),
            (vec!["b64 czNjcjN0L3g="], "b64 ************"),
            (vec!["no secret here"], "no secret here"),
            (vec!["s3cr3t/", ""], "s3cr3t/"),
        ] {
            assert_eq!(redact(data(&chunks)).await.0, expected, "{chunks:?}");
        }
    }

    #[tokio::test]
    async fn trailers_are_masked_and_kept_after_held_data_and_after_an_empty_body() {
        let mut trailers = HeaderMap::new();
        trailers.insert("x-echo", "s3cr3t/x".parse().unwrap());
        let mut frames = data(&["tail s3cr"]);
        frames.push(Frame::trailers(trailers.clone()));
        let (body, got) = redact(frames).await;
        assert_eq!(body, "tail s3cr");
        assert_eq!(got.unwrap()["x-echo"], "********");

        let (body, got) = redact(vec![Frame::trailers(trailers)]).await;
        assert_eq!(body, "");
        assert_eq!(got.unwrap()["x-echo"], "********");
    }

    #[test]
    fn headers_are_masked_in_place_challenges_included() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "www-authenticate",
            r#"Bearer error="invalid_token", error_description="s3cr3t/x expired""#
                .parse()
                .unwrap(),
        );
        headers.insert("x-plain", "fine".parse().unwrap());
        forms().mask_headers(&mut headers);
        assert_eq!(
            headers["www-authenticate"],
            r#"Bearer error="invalid_token", error_description="******** expired""#
        );
        assert_eq!(headers["x-plain"], "fine");
    }
}
