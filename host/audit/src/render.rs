//! Rendering records for people ([`render_line`]) and machines
//! ([`render_json`]).

use std::fmt::Write as _;

use crate::chain::AuditRecord;

/// One readable line, for example
/// `2026-11-28T14:03:07.123Z #42 spawn allow session=s1 app=billing labels=a,b reason="over budget"`.
///
/// Order: time (UTC), `#seq`, kind, decision, then `session=`, `app=`,
/// `target=`, `delegation=`, `resource=`, `method=`, `url=`, `labels=`,
/// `trace=`, the detail entries, and `reason=` last; absent fields are left
/// out. A value that is empty or holds whitespace, quotes, backslashes or
/// unprintable characters is quoted and escaped (Rust string syntax), so
/// the output is always one line and cannot forge another field.
pub fn render_line(record: &AuditRecord) -> String {
    let e = &record.event;
    let mut out = format!(
        "{} #{} {}",
        format_time_ms(e.time_ms),
        record.seq,
        e.kind.as_str()
    );
    if let Some(decision) = e.decision {
        out.push(' ');
        out.push_str(decision.as_str());
    }
    let fields = [
        ("session", &e.session_id),
        ("app", &e.application_id),
        ("target", &e.target),
        ("delegation", &e.delegation_id),
        ("resource", &e.resource_id),
        ("method", &e.method),
        ("url", &e.url),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            let _ = write!(out, " {name}={}", value_text(value));
        }
    }
    if !e.labels.is_empty() {
        if e.labels.iter().all(|l| is_plain(l) && !l.contains(',')) {
            let _ = write!(out, " labels={}", e.labels.join(","));
        } else {
            let _ = write!(out, " labels={:?}", e.labels);
        }
    }
    if let Some(trace) = &e.trace_id {
        let _ = write!(out, " trace={}", value_text(trace));
    }
    for (key, value) in &e.detail {
        let key = if is_plain(key) && !key.contains('=') {
            key.clone()
        } else {
            format!("{key:?}")
        };
        let _ = write!(out, " {key}={}", value_text(value));
    }
    if let Some(reason) = &e.reason {
        let _ = write!(out, " reason={}", value_text(reason));
    }
    out
}

/// The record as one line of JSON, the same form as a line of the file log.
pub fn render_json(record: &AuditRecord) -> String {
    serde_json::to_string(record).expect("an audit record (strings and numbers) serializes")
}

/// Unix milliseconds as RFC 3339 UTC with milliseconds:
/// `2026-11-28T14:03:07.123Z`.
pub fn format_time_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Non-empty, and no whitespace, quotes, backslashes or unprintables.
fn is_plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| !c.is_whitespace() && c.escape_debug().len() == 1)
}

fn value_text(s: &str) -> String {
    if is_plain(s) {
        s.to_owned()
    } else {
        format!("{s:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_times() {
        assert_eq!(format_time_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            format_time_ms(1_795_874_587_123),
            "2026-11-28T14:03:07.123Z"
        );
        assert_eq!(
            format_time_ms(4_107_542_399_999),
            "2100-02-28T23:59:59.999Z"
        );
        assert_eq!(
            format_time_ms(4_107_542_400_000),
            "2100-03-01T00:00:00.000Z"
        );
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(value_text("s-1"), "s-1");
        assert_eq!(value_text("https://x/y?a=b"), "https://x/y?a=b");
        assert_eq!(value_text(""), "\"\"");
        assert_eq!(value_text("a b"), "\"a b\"");
        assert_eq!(value_text("x\nreason=ok"), "\"x\\nreason=ok\"");
        assert_eq!(value_text("\u{202e}rtl"), "\"\\u{202e}rtl\"");
    }
}
