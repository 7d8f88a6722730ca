//! [`Body`]: a request body held in memory.

use std::fmt;

/// A request body for [`Transport::send`](crate::Transport::send): bytes held
/// in memory.
///
/// Made from `()` (empty), `Vec<u8>`, `&[u8]`, `&[u8; N]`, `String` or
/// `&str`, so an `http::Request` built with any of those can be sent as is.
///
/// # Example
///
/// ```no_run
/// use caracal::Body;
///
/// assert!(Body::from(()).is_empty());
/// assert_eq!(Body::from("hi").as_bytes(), b"hi");
/// let request = http::Request::post("https://api.example.com/tickets").body(r#"{"title":"x"}"#)?;
/// let response = caracal::Caracal::new().transport().send(request)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Body {
    bytes: Vec<u8>,
}

impl Body {
    /// An empty body.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(caracal::Body::empty().len(), 0);
    /// ```
    pub fn empty() -> Body {
        Body::default()
    }

    /// The body's bytes.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(caracal::Body::from(vec![1, 2]).as_bytes(), [1, 2]);
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The body's length in bytes.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(caracal::Body::from("abc").len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the body has no bytes.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(caracal::Body::from(String::new()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The body's bytes, by value.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(caracal::Body::from("ab").into_bytes(), b"ab".to_vec());
    /// ```
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body").field("len", &self.len()).finish()
    }
}

impl From<()> for Body {
    fn from((): ()) -> Body {
        Body::empty()
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Body {
        Body { bytes }
    }
}

impl From<&[u8]> for Body {
    fn from(bytes: &[u8]) -> Body {
        Body::from(bytes.to_vec())
    }
}

impl<const N: usize> From<&[u8; N]> for Body {
    fn from(bytes: &[u8; N]) -> Body {
        Body::from(bytes.to_vec())
    }
}

impl From<String> for Body {
    fn from(text: String) -> Body {
        Body::from(text.into_bytes())
    }
}

impl From<&str> for Body {
    fn from(text: &str) -> Body {
        Body::from(text.as_bytes())
    }
}

impl From<&String> for Body {
    fn from(text: &String) -> Body {
        Body::from(text.as_str())
    }
}
