//! [`Headers`]: a context projected into outbound HTTP headers (the WIT
//! `header-block`: one `name: value` line per header).

use std::fmt;
use std::iter::FusedIterator;
use std::str::SplitTerminator;
use std::vec;

/// Outbound HTTP headers projected from a context: `authorization`
/// (a host-minted bearer naming the session, never an upstream credential),
/// `traceparent`, `tracestate` when the context has one, and `baggage`.
///
/// The (lowercase name, value) pairs keep the host's order. `Debug` redacts the
/// `authorization` value; [`get`](Headers::get) and iteration do not.
///
/// # Example
///
/// ```no_run
/// let session = caracal::Caracal::new().spawn().start()?;
/// let headers = session.headers()?;
/// let traceparent = headers.get("Traceparent").expect("the host always sends one");
/// for (name, value) in &headers {
///     println!("{name}: {value}");
/// }
/// # Ok::<(), caracal::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Headers {
    /// A `name: value` line per header, each ended by `\n`, as the host's
    /// `header-block` sends them: one string crosses the component
    /// boundary, not a string per name and value.
    block: String,
}

impl Headers {
    /// Headers from a WIT `header-block`.
    pub(crate) fn from_block(block: String) -> Headers {
        Headers { block }
    }

    /// Headers from (name, value) pairs, written as a block. A line break
    /// in a name or value (which no envelope header has) is dropped.
    #[cfg(any(feature = "spin", test))]
    pub(crate) fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Headers {
        let mut block = String::new();
        for (name, value) in pairs {
            let clean = |text: &str| text.replace(['\r', '\n'], "");
            block.push_str(&clean(&name));
            block.push_str(": ");
            block.push_str(&clean(&value));
            block.push('\n');
        }
        Headers { block }
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let headers = caracal::Caracal::new().spawn().start()?.headers()?;
    /// let bearer = headers.get("authorization").and_then(|v| v.strip_prefix("Bearer "));
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn get(&self, name: impl AsRef<str>) -> Option<&str> {
        let name = name.as_ref();
        // Straight over the lines: `iter` would count them first.
        self.block
            .split_terminator('\n')
            .map(split_line)
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Iterates over the `(name, value)` pairs in the host's order.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let headers = caracal::Caracal::new().spawn().start()?.headers()?;
    /// let names: Vec<&str> = headers.iter().map(|(name, _)| name).collect();
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn iter(&self) -> HeadersIter<'_> {
        HeadersIter {
            lines: self.block.split_terminator('\n'),
            remaining: self.len(),
        }
    }

    /// The number of headers.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let headers = caracal::Caracal::new().spawn().start()?.headers()?;
    /// assert!(headers.len() >= 3);
    /// # Ok::<(), caracal::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        // Counted when asked, not when the headers arrive: most are only
        // applied to one request.
        self.block.bytes().filter(|&b| b == b'\n').count()
    }

    /// Whether there are no headers at all.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(caracal::Headers::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.block.is_empty()
    }
}

/// Equal when they hold the same (name, value) pairs in the same order.
impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(name, value)| {
                let value = if name.eq_ignore_ascii_case("authorization") {
                    "<redacted>"
                } else {
                    value
                };
                (name, value)
            }))
            .finish()
    }
}

impl IntoIterator for Headers {
    type Item = (String, String);
    type IntoIter = vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect::<Vec<_>>()
            .into_iter()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = (&'a str, &'a str);
    type IntoIter = HeadersIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// An iterator over `(name, value)` pairs of [`Headers`], from
/// [`Headers::iter`].
///
/// # Example
///
/// ```
/// let headers = caracal::Headers::default();
/// let mut iter: caracal::HeadersIter<'_> = headers.iter();
/// assert_eq!(iter.next(), None);
/// ```
#[derive(Clone, Debug)]
pub struct HeadersIter<'a> {
    lines: SplitTerminator<'a, char>,
    remaining: usize,
}

/// A block line as (name, value): split at the first `:`, one space after
/// it skipped.
fn split_line(line: &str) -> (&str, &str) {
    match line.split_once(':') {
        Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
        None => (line, ""),
    }
}

impl<'a> Iterator for HeadersIter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let line = self.lines.next()?;
        self.remaining -= 1;
        Some(split_line(line))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for HeadersIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let line = self.lines.next_back()?;
        self.remaining -= 1;
        Some(split_line(line))
    }
}

impl ExactSizeIterator for HeadersIter<'_> {}

impl FusedIterator for HeadersIter<'_> {}

#[cfg(feature = "http")]
mod http_impls {
    use http::{HeaderMap, HeaderName, HeaderValue};

    use super::Headers;

    impl Headers {
        /// Writes these headers into `map`, replacing any values `map`
        /// already has under the same names (so a stale `authorization` or
        /// `baggage` never survives next to the fresh one). A header the
        /// `http` crate cannot represent is skipped; the host never sends one.
        ///
        /// Requires the `http` feature (on by default).
        ///
        /// # Example
        ///
        /// ```no_run
        /// let session = caracal::Caracal::new().spawn().start()?;
        /// let mut request = http::Request::get("https://api.example.com/tickets").body(())?;
        /// session.headers()?.apply(request.headers_mut());
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn apply(&self, map: &mut HeaderMap) {
            let mut replaced: Vec<HeaderName> = Vec::with_capacity(4);
            for (name, value) in self {
                let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                ) else {
                    continue;
                };
                if replaced.contains(&name) {
                    map.append(name, value);
                } else {
                    map.insert(name.clone(), value);
                    replaced.push(name);
                }
            }
        }
    }

    /// Requires the `http` feature (on by default).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// let map = http::HeaderMap::from(session.headers()?);
    /// assert!(map.contains_key(http::header::AUTHORIZATION));
    /// # Ok::<(), caracal::Error>(())
    /// ```
    impl From<Headers> for HeaderMap {
        fn from(headers: Headers) -> HeaderMap {
            let mut map = HeaderMap::with_capacity(headers.len());
            headers.apply(&mut map);
            map
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn apply_replaces_existing_values_and_keeps_repeats() {
            let headers = Headers::from_pairs(vec![
                ("authorization".into(), "Bearer fresh".into()),
                ("baggage".into(), "a=1".into()),
                ("baggage".into(), "b=2".into()),
                ("bad name".into(), "x".into()),
            ]);
            let mut map = HeaderMap::new();
            map.insert("authorization", HeaderValue::from_static("Bearer stale"));
            map.insert("accept", HeaderValue::from_static("*/*"));
            headers.apply(&mut map);
            assert_eq!(map["authorization"], "Bearer fresh");
            let baggage: Vec<_> = map.get_all("baggage").iter().collect();
            assert_eq!(baggage, ["a=1", "b=2"]);
            assert_eq!(map["accept"], "*/*");
            assert_eq!(map.len(), 4);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Headers {
        Headers::from_pairs(vec![
            ("authorization".into(), "Bearer secret".into()),
            (
                "traceparent".into(),
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into(),
            ),
        ])
    }

    #[test]
    fn get_is_case_insensitive() {
        let headers = sample();
        assert_eq!(headers.get("TraceParent"), headers.get("traceparent"));
        assert_eq!(headers.get("missing"), None);
        assert_eq!(headers.len(), 2);
        assert!(!headers.is_empty());
    }

    #[test]
    fn iteration_keeps_order() {
        let headers = sample();
        let names: Vec<_> = headers.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["authorization", "traceparent"]);
        assert_eq!(headers.iter().next_back().unwrap().0, "traceparent");
        let owned: Vec<(String, String)> = headers.into_iter().collect();
        assert_eq!(owned.len(), 2);
    }

    #[test]
    fn a_block_splits_at_the_first_colon_of_each_line() {
        let headers = Headers::from_block("baggage: a=1,b=x:y\nx-empty:\nx-odd\n".into());
        assert_eq!(headers.len(), 3);
        let pairs: Vec<_> = headers.iter().collect();
        assert_eq!(
            pairs,
            [("baggage", "a=1,b=x:y"), ("x-empty", ""), ("x-odd", "")]
        );
        assert_eq!(headers.iter().next_back(), Some(("x-odd", "")));
        assert_eq!(headers.iter().len(), 3);
        assert_eq!(Headers::from_pairs(headers.clone()), headers);
    }

    #[test]
    fn line_breaks_in_pairs_cannot_make_extra_headers() {
        let headers = Headers::from_pairs(vec![(
            "x-a".to_string(),
            "1\r\nauthorization: forged".to_string(),
        )]);
        assert_eq!(headers.len(), 1);
        assert_eq!(headers.get("authorization"), None);
    }

    #[test]
    fn debug_redacts_the_bearer() {
        let text = format!("{:?}", sample());
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("<redacted>"));
    }
}
