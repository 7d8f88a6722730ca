//! [`canonical_path`]: the one form of a request path the host decides on
//! and sends, so that a path cannot mean one thing to the resource
//! bindings and scope rules and another to the upstream.

/// Why a path is refused as ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathRefusal {
    /// `%2F` or `%5C`: an encoded separator some servers split on.
    #[error("the path has an encoded `/` or `\\` (`{0}`)")]
    EncodedSeparator(String),
    /// A literal `\`, which some servers read as `/`.
    #[error("the path has a `\\`")]
    Backslash,
    /// `%25` followed by an escape: decoded twice, it means something else.
    #[error("the path is double-encoded (`{0}`)")]
    DoubleEncoded(String),
    /// `%` not followed by two hex digits.
    #[error("the path has a malformed percent-escape (`{0}`)")]
    BadEscape(String),
    /// `;` path parameters (refused on credential routes, where servers
    /// disagree on whether they are part of the segment).
    #[error("the path has `;` path parameters")]
    PathParameters,
    /// Not an absolute path.
    #[error("the path does not start with `/`")]
    NotAbsolute,
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

fn hex(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).map(|d| d as u8)
}

/// The canonical form of `path` (no query): unreserved percent-escapes
/// decoded and the others upper-cased, empty segments removed, and dot
/// segments resolved (RFC 3986 §5.2.4, never above the root); a trailing
/// `/` is kept. Ambiguous paths are refused (see [`PathRefusal`]).
pub fn canonical_path(path: &str) -> Result<String, PathRefusal> {
    if path.is_empty() {
        return Ok("/".to_owned());
    }
    if !path.starts_with('/') {
        return Err(PathRefusal::NotAbsolute);
    }
    let bytes = path.as_bytes();
    let mut decoded = String::with_capacity(path.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => return Err(PathRefusal::Backslash),
            b'%' => {
                let escape = path.get(at..at + 3).unwrap_or(&path[at..]);
                let (Some(high), Some(low)) = (
                    bytes.get(at + 1).copied().and_then(hex),
                    bytes.get(at + 2).copied().and_then(hex),
                ) else {
                    return Err(PathRefusal::BadEscape(escape.to_owned()));
                };
                let value = high * 16 + low;
                match value {
                    b'/' | b'\\' => return Err(PathRefusal::EncodedSeparator(escape.to_owned())),
                    v if is_unreserved(v) => decoded.push(char::from(v)),
                    v => decoded.push_str(&format!("%{v:02X}")),
                }
                at += 3;
            }
            _ => {
                // Multi-byte UTF-8 is copied whole (the URI parser only lets
                // ASCII through, but the function takes any `str`).
                let ch = path[at..].chars().next().unwrap_or('\u{fffd}');
                decoded.push(ch);
                at += ch.len_utf8();
            }
        }
    }
    // Double encoding is judged on the decoded form: `%25` then two hex
    // digits, whether they were written so or came from decoding
    // (`%251%45` decodes to `%251E`).
    let double = decoded.match_indices("%25").map(|(at, _)| at).find(|&at| {
        let digits = decoded.as_bytes().get(at + 3..at + 5);
        digits.is_some_and(|d| d.iter().all(|&b| hex(b).is_some()))
    });
    if let Some(at) = double {
        return Err(PathRefusal::DoubleEncoded(decoded[at..at + 5].to_owned()));
    }
    let trailing = decoded.ends_with('/') && decoded.len() > 1
        || decoded.ends_with("/.")
        || decoded.ends_with("/..");
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(decoded.len());
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() || trailing {
        out.push('/');
    }
    Ok(out)
}

/// Refuses `;` path parameters (for credential routes).
pub fn refuse_path_parameters(path: &str) -> Result<(), PathRefusal> {
    if path.contains(';') {
        Err(PathRefusal::PathParameters)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_form_for_every_spelling() {
        for (raw, canonical) in [
            ("", "/"),
            ("/", "/"),
            ("/api/tickets/1", "/api/tickets/1"),
            ("//api/tickets/1", "/api/tickets/1"),
            ("/api//tickets///1", "/api/tickets/1"),
            ("/%61pi/tickets/1", "/api/tickets/1"),
            ("/api/./tickets/../tickets/1", "/api/tickets/1"),
            ("/api/%2e%2e/admin", "/admin"),
            ("/../../etc", "/etc"),
            ("/api/tickets/", "/api/tickets/"),
            ("/api/tickets/.", "/api/tickets/"),
            ("/api/a%20b", "/api/a%20b"),
            ("/api/a%3ab", "/api/a%3Ab"),
            ("/api/%7euser", "/api/~user"),
        ] {
            assert_eq!(canonical_path(raw).as_deref(), Ok(canonical), "{raw}");
        }
    }

    #[test]
    fn ambiguous_paths_are_refused_naming_why() {
        assert!(matches!(
            canonical_path("/api%2ftickets"),
            Err(PathRefusal::EncodedSeparator(_))
        ));
        assert!(matches!(
            canonical_path("/api%5Ctickets"),
            Err(PathRefusal::EncodedSeparator(_))
        ));
        assert_eq!(canonical_path("/api\\tickets"), Err(PathRefusal::Backslash));
        assert!(matches!(
            canonical_path("/api/%252e%252e/x"),
            Err(PathRefusal::DoubleEncoded(_))
        ));
        // Found by the random-path test: decoding makes a double encoding.
        assert!(matches!(
            canonical_path("//40%251%45"),
            Err(PathRefusal::DoubleEncoded(_))
        ));
        assert!(matches!(
            canonical_path("/api/%zz"),
            Err(PathRefusal::BadEscape(_))
        ));
        assert!(matches!(
            canonical_path("/api/%4"),
            Err(PathRefusal::BadEscape(_))
        ));
        assert_eq!(canonical_path("api"), Err(PathRefusal::NotAbsolute));
        assert_eq!(
            refuse_path_parameters("/api/t;v=1"),
            Err(PathRefusal::PathParameters)
        );
        assert_eq!(canonical_path("/api/100%25"), Ok("/api/100%25".to_owned()));
    }

    #[test]
    fn canonical_is_a_fixed_point() {
        for raw in ["//a/./b/../c//", "/%61/%2e/x", "/a%20b/%7E", "/x/.."] {
            let once = canonical_path(raw).unwrap();
            assert_eq!(canonical_path(&once).unwrap(), once, "{raw}");
        }
    }

    /// Random and mutated paths (a fixed-seed xorshift, so a failure
    /// repeats): never a panic; an accepted path's canonical form is a
    /// fixed point with no empty or dot segments and no encoded separator.
    #[test]
    fn random_paths_never_panic_and_canonical_forms_are_clean() {
        const ALPHABET: &[u8] = b"/./%2f%2F%5c%25%2e%41a;\\~-_09zZ?#\x00";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let cases = std::env::var("CARACAL_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000u64);
        for _ in 0..cases {
            let len = (next() % 24) as usize;
            let mut path = String::from("/");
            for _ in 0..len {
                path.push(char::from(
                    ALPHABET[(next() % ALPHABET.len() as u64) as usize],
                ));
            }
            let Ok(canonical) = canonical_path(&path) else {
                continue;
            };
            assert_eq!(
                canonical_path(&canonical).as_deref(),
                Ok(canonical.as_str()),
                "{path}"
            );
            assert!(canonical.starts_with('/'), "{path} -> {canonical}");
            for bad in ["//", "/./", "/../", "%2F", "%5C", "%2f"] {
                assert!(!canonical.contains(bad), "{path} -> {canonical}");
            }
            assert!(
                !canonical.ends_with("/.") && !canonical.ends_with("/.."),
                "{path} -> {canonical}"
            );
        }
    }
}
