//! W3C Baggage header.

use crate::error::EnvelopeError;
use crate::percent;

/// One list-member: key, decoded value and raw properties.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Member {
    key: String,
    value: String,
    /// Everything after the first `;`, trimmed, kept verbatim.
    properties: Option<String>,
}

/// An ordered set of W3C baggage members.
///
/// Values are held decoded; [`to_header`](Baggage::to_header) percent-encodes
/// them again and sorts members by key, as upstream Caracal SDKs do.
///
/// ```
/// use caracal_envelope::Baggage;
///
/// let mut b = Baggage::parse("tenant=acme,user=j%20doe;pii")?;
/// assert_eq!(b.get("user"), Some("j doe"));
/// b.insert("region", "eu west");
/// assert_eq!(b.to_header(), "region=eu%20west,tenant=acme,user=j%20doe;pii");
/// # Ok::<(), caracal_envelope::EnvelopeError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baggage {
    members: Vec<Member>,
}

impl Baggage {
    /// Largest baggage header accepted, in bytes.
    pub const MAX_BYTES: usize = 8192;
    /// Most comma-separated members accepted in one baggage header.
    pub const MAX_MEMBERS: usize = 64;

    /// Parses a baggage header value.
    ///
    /// A header over [`MAX_BYTES`](Self::MAX_BYTES) or with more than
    /// [`MAX_MEMBERS`](Self::MAX_MEMBERS) comma-separated pieces (empty
    /// pieces count, as upstream) is an error: drop the whole header.
    /// Pieces without `=` or whose key is not an RFC 9110 token are skipped.
    /// Keys and values are trimmed, values percent-decoded; for a repeated
    /// key the last value wins.
    ///
    /// # Errors
    ///
    /// [`EnvelopeError::BaggageTooLarge`] or
    /// [`EnvelopeError::TooManyBaggageMembers`] when over a limit.
    ///
    /// ```
    /// use caracal_envelope::Baggage;
    ///
    /// let b = Baggage::parse(" a = 1 , junk, =x, b=%E2%98%83;p=1 ")?;
    /// let members: Vec<_> = b.iter().collect();
    /// assert_eq!(members, [("a", "1"), ("b", "☃")]);
    /// assert_eq!(b.properties("b"), Some("p=1"));
    /// # Ok::<(), caracal_envelope::EnvelopeError>(())
    /// ```
    pub fn parse(header: &str) -> Result<Baggage, EnvelopeError> {
        if header.len() > Self::MAX_BYTES {
            return Err(EnvelopeError::BaggageTooLarge { len: header.len() });
        }
        let count = header.split(',').count();
        if count > Self::MAX_MEMBERS {
            return Err(EnvelopeError::TooManyBaggageMembers { count });
        }
        let mut baggage = Baggage::default();
        for piece in header.split(',') {
            let Some((key, rest)) = piece.split_once('=') else {
                continue;
            };
            let key = key.trim_ascii();
            if !is_token(key) {
                continue;
            }
            let (value, properties) = match rest.split_once(';') {
                Some((value, props)) => (value, Some(props.trim_ascii())),
                None => (rest, None),
            };
            let properties = properties.filter(|p| !p.is_empty()).map(str::to_owned);
            let value = percent::decode(value.trim_ascii());
            baggage.set(key.to_owned(), value, properties);
        }
        Ok(baggage)
    }

    /// The decoded value of `key`.
    ///
    /// ```
    /// let b = caracal_envelope::Baggage::parse("k=v%2Cw").unwrap();
    /// assert_eq!(b.get("k"), Some("v,w"));
    /// assert_eq!(b.get("K"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key).map(|m| m.value.as_str())
    }

    /// The raw properties of `key` (the text after its first `;`), if any.
    ///
    /// ```
    /// let b = caracal_envelope::Baggage::parse("k=v;a;b=c").unwrap();
    /// assert_eq!(b.properties("k"), Some("a;b=c"));
    /// ```
    pub fn properties(&self, key: &str) -> Option<&str> {
        self.find(key).and_then(|m| m.properties.as_deref())
    }

    /// Sets `key` to the (unencoded) `value`, replacing any previous value
    /// and its properties in place. A key that is not an RFC 9110 token is
    /// stored but left out of [`to_header`](Self::to_header).
    ///
    /// ```
    /// let mut b = caracal_envelope::Baggage::default();
    /// b.insert("k", "a b");
    /// assert_eq!(b.to_header(), "k=a%20b");
    /// ```
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.set(key.into(), value.into(), None);
    }

    /// Removes `key`, returning its value.
    ///
    /// ```
    /// let mut b = caracal_envelope::Baggage::parse("a=1,b=2").unwrap();
    /// assert_eq!(b.remove("a"), Some("1".to_owned()));
    /// assert_eq!(b.to_header(), "b=2");
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let index = self.members.iter().position(|m| m.key == key)?;
        Some(self.members.remove(index).value)
    }

    /// Number of members.
    ///
    /// ```
    /// assert_eq!(caracal_envelope::Baggage::parse("a=1,b=2").unwrap().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no members.
    ///
    /// ```
    /// assert!(caracal_envelope::Baggage::parse("").unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// `(key, decoded value)` pairs in insertion order.
    ///
    /// ```
    /// let b = caracal_envelope::Baggage::parse("z=1,a=2").unwrap();
    /// assert_eq!(b.iter().collect::<Vec<_>>(), [("z", "1"), ("a", "2")]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.members
            .iter()
            .map(|m| (m.key.as_str(), m.value.as_str()))
    }

    /// Keeps only the members whose key satisfies `f`.
    ///
    /// ```
    /// let mut b = caracal_envelope::Baggage::parse("caracal.hop=1,x=2").unwrap();
    /// b.retain(|key| !key.starts_with("caracal."));
    /// assert_eq!(b.to_header(), "x=2");
    /// ```
    pub fn retain(&mut self, mut f: impl FnMut(&str) -> bool) {
        self.members.retain(|m| f(&m.key));
    }

    /// Renders the header value: members sorted by key, joined by `,`, each
    /// `key=percent-encoded-value[;properties]`. Empty baggage gives `""`.
    ///
    /// ```
    /// let b = caracal_envelope::Baggage::parse("b=x y,a=1;p").unwrap();
    /// assert_eq!(b.to_header(), "a=1;p,b=x%20y");
    /// ```
    pub fn to_header(&self) -> String {
        self.encoded_members()
            .into_iter()
            .map(|(_, part)| part)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Like [`to_header`](Self::to_header), but drops members whose key is
    /// not `protected` (last in key order first) until the result is within
    /// [`MAX_BYTES`](Self::MAX_BYTES) and [`MAX_MEMBERS`](Self::MAX_MEMBERS),
    /// so that a receiver does not discard the whole header.
    pub(crate) fn to_header_within_limits(&self, protected: impl Fn(&str) -> bool) -> String {
        let mut parts: Vec<(bool, String)> = self
            .encoded_members()
            .into_iter()
            .map(|(key, part)| (protected(key), part))
            .collect();
        let mut bytes = parts.iter().map(|(_, p)| p.len() + 1).sum::<usize>();
        while parts.len() > Self::MAX_MEMBERS || bytes.saturating_sub(1) > Self::MAX_BYTES {
            let Some(index) = parts.iter().rposition(|(keep, _)| !keep) else {
                break;
            };
            bytes -= parts.remove(index).1.len() + 1;
        }
        let parts: Vec<String> = parts.into_iter().map(|(_, part)| part).collect();
        parts.join(",")
    }

    /// `(key, encoded member)` for every member with a token key, sorted.
    fn encoded_members(&self) -> Vec<(&str, String)> {
        let mut members: Vec<&Member> = self.members.iter().filter(|m| is_token(&m.key)).collect();
        members.sort_by(|a, b| a.key.cmp(&b.key));
        members
            .into_iter()
            .map(|m| {
                let mut part = format!("{}={}", m.key, percent::encode(&m.value));
                if let Some(props) = &m.properties {
                    part.push(';');
                    part.push_str(props);
                }
                (m.key.as_str(), part)
            })
            .collect()
    }

    fn find(&self, key: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.key == key)
    }

    fn set(&mut self, key: String, value: String, properties: Option<String>) {
        match self.members.iter_mut().find(|m| m.key == key) {
            Some(member) => {
                member.value = value;
                member.properties = properties;
            }
            None => self.members.push(Member {
                key,
                value,
                properties,
            }),
        }
    }
}

/// Whether `s` is an RFC 9110 `token` (the W3C baggage key grammar).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests;
