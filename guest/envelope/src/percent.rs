//! Percent-encoding of baggage values (RFC 3986, as upstream SDKs do it).

/// Percent-encodes every byte outside RFC 3986 `unreserved`
/// (`ALPHA DIGIT - . _ ~`) as `%XX` with uppercase hex, like Python's
/// `urllib.parse.quote(v, safe="")` and the upstream Go SDK.
pub(crate) fn encode(s: &str) -> String {
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(UPPER[usize::from(b >> 4)]));
            out.push(char::from(UPPER[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// Decodes `%XX` (either hex case); a `%` not followed by two hex digits is
/// kept literally, and `+` stays `+`. Bytes that do not form UTF-8 become
/// U+FFFD, as Python's `unquote` does.
pub(crate) fn decode(s: &str) -> String {
    let b = s.as_bytes();
    if !b.contains(&b'%') {
        return s.to_owned();
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(hi), Some(lo)) = (hex_value(b.get(i + 1)), hex_value(b.get(i + 2)))
        {
            out.push((hi << 4) | lo);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    match String::from_utf8(out) {
        Ok(decoded) => decoded,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn hex_value(c: Option<&u8>) -> Option<u8> {
    char::from(*c?)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(encode("a b=c,d;e%f"), "a%20b%3Dc%2Cd%3Be%25f");
        assert_eq!(encode("+/?#\"\\"), "%2B%2F%3F%23%22%5C");
        assert_eq!(encode("é☃"), "%C3%A9%E2%98%83");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn decodes_either_case() {
        assert_eq!(decode("a%20b%3dc%2C"), "a b=c,");
        assert_eq!(decode("%C3%A9%e2%98%83"), "é☃");
        assert_eq!(decode("1+1"), "1+1");
    }

    #[test]
    fn keeps_invalid_sequences_literally() {
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("%zz%41"), "%zzA");
        assert_eq!(decode("%%41"), "%A");
        assert_eq!(decode("%é"), "%é");
    }

    #[test]
    fn invalid_utf8_becomes_replacement_char() {
        assert_eq!(decode("a%FFb"), "a\u{FFFD}b");
    }

    #[test]
    fn round_trips() {
        for s in [
            "",
            "plain",
            "a b",
            "k=v",
            "x,y;z",
            "50%",
            "日本語 ok",
            "%41",
        ] {
            assert_eq!(decode(&encode(s)), s);
        }
    }
}
