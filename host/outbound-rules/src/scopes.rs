//! Per-resource scope rules: method + path pattern → required scopes.

use crate::RuleError;

/// One resource's rule table: which scopes a request needs, by method and
/// path pattern, e.g. `GET /tickets/** → tickets:read`.
///
/// A rule is `METHOD /pattern`: the method is an HTTP token compared
/// case-sensitively (`GET` is not `get`) or `*` for any method; the pattern's
/// segments are literals, `*` (exactly one segment) or a final `**` (any
/// remaining segments, including none). The pattern `/` matches only the
/// root path.
///
/// Paths are matched as sent, minus the query and fragment, with
/// percent-encoded bytes decoded per segment and empty segments (`//`)
/// skipped. A path with a `.` or `..` segment, an encoded `/`, invalid
/// percent-encoding or no leading `/` matches no rule, so the host denies it.
///
/// When several rules match, the most specific wins: more literal segments,
/// then fewer wildcards (`*`, `**`, and a `*` method each count as one),
/// then the one declared first.
///
/// ```
/// use caracal_outbound_rules::ScopeRules;
///
/// let rules = ScopeRules::parse(&[
///     ("GET /tickets/**", vec!["tickets:read".to_owned()]),
///     ("POST /tickets", vec!["tickets:write".to_owned()]),
/// ])
/// .unwrap();
/// assert_eq!(rules.required_scopes("GET", "/tickets/7?x=1").unwrap(), ["tickets:read"]);
/// assert_eq!(rules.required_scopes("POST", "/tickets").unwrap(), ["tickets:write"]);
/// assert!(rules.required_scopes("DELETE", "/tickets/7").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeRules {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// `None` for `*`.
    method: Option<String>,
    segments: Vec<Segment>,
    scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    One,
    Rest,
}

impl ScopeRules {
    /// Parses `("METHOD /pattern", scopes)` rules, reporting every bad rule
    /// with its index. Each rule must require at least one non-blank scope:
    /// a path that needs no authority is left out (and so denied).
    pub fn parse(lines: &[(&str, Vec<String>)]) -> Result<ScopeRules, Vec<RuleError>> {
        let mut rules = Vec::with_capacity(lines.len());
        let mut errors = Vec::new();
        for (index, (line, scopes)) in lines.iter().enumerate() {
            match parse_rule(index, line, scopes) {
                Ok(rule) => rules.push(rule),
                Err(error) => errors.push(error),
            }
        }
        if errors.is_empty() {
            Ok(ScopeRules { rules })
        } else {
            Err(errors)
        }
    }

    /// The scopes required by the most specific rule matching `method` and
    /// `path`, or `None` when no rule matches (the host then denies).
    pub fn required_scopes(&self, method: &str, path: &str) -> Option<&[String]> {
        let segments = request_segments(path)?;
        let mut best: Option<(&Rule, (usize, usize))> = None;
        for rule in &self.rules {
            if rule.method.as_deref().is_some_and(|m| m != method) || !rule.matches(&segments) {
                continue;
            }
            let rank = rule.rank();
            // Strictly better only, so the first declared wins ties.
            if best.is_none_or(|(_, best_rank)| rank > best_rank) {
                best = Some((rule, rank));
            }
        }
        best.map(|(rule, _)| rule.scopes.as_slice())
    }

    /// Whether the table has no rules (and so denies everything).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

impl Rule {
    fn matches(&self, path: &[String]) -> bool {
        let mut path = path.iter();
        for segment in &self.segments {
            match segment {
                Segment::Rest => return true,
                Segment::One => {
                    if path.next().is_none() {
                        return false;
                    }
                }
                Segment::Literal(literal) => {
                    if path.next() != Some(literal) {
                        return false;
                    }
                }
            }
        }
        path.next().is_none()
    }

    /// Higher is more specific: (literal segments, fewer wildcards).
    fn rank(&self) -> (usize, usize) {
        let literals = self
            .segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count();
        let wildcards = self.segments.len() - literals;
        (
            literals,
            usize::MAX - wildcards - usize::from(self.method.is_none()),
        )
    }
}

fn parse_rule(index: usize, line: &str, scopes: &[String]) -> Result<Rule, RuleError> {
    let rule = || line.to_owned();
    let mut words = line.split_whitespace();
    let (Some(method), Some(pattern), None) = (words.next(), words.next(), words.next()) else {
        return Err(RuleError::MalformedRule {
            index,
            rule: rule(),
        });
    };
    let method = match method {
        "*" => None,
        token if token.bytes().all(is_tchar) => Some(token.to_owned()),
        _ => {
            return Err(RuleError::MalformedRule {
                index,
                rule: rule(),
            });
        }
    };
    let invalid = |reason| RuleError::InvalidPattern {
        index,
        rule: rule(),
        reason,
    };
    let Some(body) = pattern.strip_prefix('/') else {
        return Err(invalid("must start with `/`"));
    };
    let mut segments = Vec::new();
    if !body.is_empty() {
        for text in body.split('/') {
            let segment = match text {
                "" => return Err(invalid("empty segment")),
                "**" => Segment::Rest,
                "*" => Segment::One,
                "." | ".." => return Err(invalid("`.` and `..` segments are not allowed")),
                t if t.contains('*') => return Err(invalid("`*` must be a whole segment")),
                t => Segment::Literal(decode(t).ok_or_else(|| invalid("bad percent-encoding"))?),
            };
            if segments.last() == Some(&Segment::Rest) {
                return Err(invalid("`**` must be the last segment"));
            }
            segments.push(segment);
        }
    }
    if scopes.is_empty() || scopes.iter().any(|s| s.trim().is_empty()) {
        return Err(RuleError::InvalidScopes {
            index,
            rule: rule(),
        });
    }
    Ok(Rule {
        method,
        segments,
        scopes: scopes.to_vec(),
    })
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn request_segments(path: &str) -> Option<Vec<String>> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let body = path.strip_prefix('/')?;
    let mut segments = Vec::new();
    for text in body.split('/').filter(|s| !s.is_empty()) {
        let segment = decode(text)?;
        if segment == "." || segment == ".." {
            return None;
        }
        segments.push(segment);
    }
    Some(segments)
}

/// Percent-decodes one segment; `None` on bad escapes, invalid UTF-8 or an
/// encoded `/`.
fn decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).ok()?;
    (!decoded.contains('/')).then_some(decoded)
}

#[cfg(test)]
mod tests;
