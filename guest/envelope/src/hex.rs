//! Lowercase hex helpers for W3C trace and span ids.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Encodes `bytes` as lowercase hex, two digits per byte.
///
/// ```
/// assert_eq!(caracal_envelope::hex_lower(&[0x00, 0xab, 0x7f]), "00ab7f");
/// ```
pub fn hex_lower(bytes: &[u8]) -> String {
    let mut out = vec![0; bytes.len() * 2];
    write_hex_lower(&mut out, bytes);
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// Writes `bytes` as lowercase hex into `out`, which holds exactly two
/// bytes per input byte.
pub(crate) fn write_hex_lower(out: &mut [u8], bytes: &[u8]) {
    debug_assert_eq!(out.len(), bytes.len() * 2);
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
}

/// Parses exactly `2 * N` lowercase hex digits into an id, as W3C Trace
/// Context requires: uppercase digits and the all-zero id are rejected.
///
/// ```
/// use caracal_envelope::parse_hex_id;
///
/// assert_eq!(parse_hex_id::<2>("00ff"), Some([0x00, 0xff]));
/// assert_eq!(parse_hex_id::<2>("00FF"), None); // uppercase
/// assert_eq!(parse_hex_id::<2>("0000"), None); // all zero
/// assert_eq!(parse_hex_id::<2>("00f"), None); // wrong length
/// ```
pub fn parse_hex_id<const N: usize>(s: &str) -> Option<[u8; N]> {
    parse_hex_bytes::<N>(s.as_bytes()).filter(|id| id.iter().any(|&b| b != 0))
}

/// Parses exactly `2 * N` lowercase hex digits, allowing the all-zero value.
pub(crate) fn parse_hex_bytes<const N: usize>(s: &[u8]) -> Option<[u8; N]> {
    if s.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for (slot, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        *slot = (lower_hex_value(pair[0])? << 4) | lower_hex_value(pair[1])?;
    }
    Some(out)
}

fn lower_hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_lower_encodes_every_nibble() {
        assert_eq!(hex_lower(&[]), "");
        assert_eq!(
            hex_lower(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]),
            "0123456789abcdef"
        );
        assert_eq!(hex_lower(&[0xff, 0x10]), "ff10");
    }

    #[test]
    fn parse_hex_id_round_trips() {
        let id = [0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6];
        assert_eq!(parse_hex_id::<8>(&hex_lower(&id)), Some(id));
    }

    #[test]
    fn parse_hex_id_rejects_malformed() {
        assert_eq!(parse_hex_id::<1>("0A"), None);
        assert_eq!(parse_hex_id::<1>("0g"), None);
        assert_eq!(parse_hex_id::<1>("0"), None);
        assert_eq!(parse_hex_id::<1>("000"), None);
        assert_eq!(parse_hex_id::<1>("00"), None);
        assert_eq!(parse_hex_id::<1>("é"), None); // two bytes, not hex
        assert_eq!(parse_hex_id::<1>("+1"), None);
        assert_eq!(parse_hex_id::<0>(""), None); // nothing non-zero in it
        assert_eq!(parse_hex_bytes::<2>(b"0000"), Some([0, 0]));
    }
}
