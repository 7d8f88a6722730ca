//! The Caracal correlation fields carried in `caracal.*` baggage members.

use crate::baggage::Baggage;

/// Baggage key of the acting agent session id.
pub const AGENT_SESSION_KEY: &str = "caracal.agent_session";
/// Baggage key of the delegation edge id the call runs under.
pub const DELEGATION_EDGE_KEY: &str = "caracal.delegation_edge";
/// Baggage key of the parent of that delegation edge.
pub const PARENT_EDGE_KEY: &str = "caracal.parent_edge";
/// Baggage key of the subject authority session id.
pub const SESSION_KEY: &str = "caracal.session";
/// Baggage key of the delegation hop count (decimal).
pub const HOP_KEY: &str = "caracal.hop";
/// Prefix of every Caracal baggage key; all such members are overwritten on write.
pub const CARACAL_PREFIX: &str = "caracal.";
/// Largest hop count; decoded hops are clamped to it.
pub const MAX_HOP: u32 = 10;

/// The Caracal fields of an envelope.
///
/// Baggage is unsigned routing metadata: the signed bearer token stays the
/// only authoritative source of delegation state.
///
/// ```
/// use caracal_envelope::{Baggage, CaracalContext};
///
/// let b = Baggage::parse("caracal.agent_session=s1,caracal.hop=99")?;
/// let ctx = CaracalContext::from_baggage(&b);
/// assert_eq!(ctx.agent_session.as_deref(), Some("s1"));
/// assert_eq!(ctx.hop, 10);
/// # Ok::<(), caracal_envelope::EnvelopeError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaracalContext {
    /// `caracal.agent_session`: the acting session id.
    pub agent_session: Option<String>,
    /// `caracal.delegation_edge`: the delegation edge id.
    pub delegation_edge: Option<String>,
    /// `caracal.parent_edge`: the parent delegation edge id.
    pub parent_edge: Option<String>,
    /// `caracal.session`: the subject authority session id.
    pub session: Option<String>,
    /// `caracal.hop`: delegation hops so far, at most [`MAX_HOP`].
    pub hop: u32,
}

impl CaracalContext {
    /// Reads the Caracal members of `b`. Empty ids read as `None`. The hop
    /// must be ASCII digits (else 0) and is clamped to [`MAX_HOP`].
    ///
    /// ```
    /// use caracal_envelope::{Baggage, CaracalContext};
    ///
    /// let b = Baggage::parse("caracal.session=,caracal.hop=-1")?;
    /// assert_eq!(CaracalContext::from_baggage(&b), CaracalContext::default());
    /// # Ok::<(), caracal_envelope::EnvelopeError>(())
    /// ```
    pub fn from_baggage(b: &Baggage) -> CaracalContext {
        let id = |key| b.get(key).filter(|v| !v.is_empty()).map(str::to_owned);
        CaracalContext {
            agent_session: id(AGENT_SESSION_KEY),
            delegation_edge: id(DELEGATION_EDGE_KEY),
            parent_edge: id(PARENT_EDGE_KEY),
            session: id(SESSION_KEY),
            hop: b.get(HOP_KEY).map_or(0, parse_hop),
        }
    }

    /// Replaces every `caracal.*` member of `b` with this context: the
    /// present (non-empty) ids, and `caracal.hop` when `hop > 0` or any id
    /// is present. Other members are untouched.
    ///
    /// ```
    /// use caracal_envelope::{Baggage, CaracalContext};
    ///
    /// let mut b = Baggage::parse("caracal.session=forged,caracal.x=1,k=v")?;
    /// let ctx = CaracalContext { agent_session: Some("s1".into()), ..Default::default() };
    /// ctx.write_to(&mut b);
    /// assert_eq!(b.to_header(), "caracal.agent_session=s1,caracal.hop=0,k=v");
    /// # Ok::<(), caracal_envelope::EnvelopeError>(())
    /// ```
    pub fn write_to(&self, b: &mut Baggage) {
        b.retain(|key| !key.starts_with(CARACAL_PREFIX));
        let ids = [
            (AGENT_SESSION_KEY, &self.agent_session),
            (DELEGATION_EDGE_KEY, &self.delegation_edge),
            (PARENT_EDGE_KEY, &self.parent_edge),
            (SESSION_KEY, &self.session),
        ];
        let mut any_id = false;
        for (key, id) in ids {
            if let Some(id) = id.as_deref().filter(|id| !id.is_empty()) {
                b.insert(key, id);
                any_id = true;
            }
        }
        if self.hop > 0 || any_id {
            b.insert(HOP_KEY, self.hop.to_string());
        }
    }
}

/// Decimal digits only; too large for `u32` still means "over the limit".
fn parse_hop(raw: &str) -> u32 {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    raw.parse::<u32>().map_or(MAX_HOP, |hop| hop.min(MAX_HOP))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop_of(raw: &str) -> u32 {
        let mut b = Baggage::default();
        b.insert(HOP_KEY, raw);
        CaracalContext::from_baggage(&b).hop
    }

    #[test]
    fn hop_parsing_and_clamping() {
        assert_eq!(hop_of("0"), 0);
        assert_eq!(hop_of("3"), 3);
        assert_eq!(hop_of("007"), 7);
        assert_eq!(hop_of("10"), 10);
        assert_eq!(hop_of("11"), 10);
        assert_eq!(hop_of("99"), 10);
        assert_eq!(hop_of("99999999999999999999"), 10);
        assert_eq!(hop_of("-1"), 0);
        assert_eq!(hop_of("+1"), 0);
        assert_eq!(hop_of("x"), 0);
        assert_eq!(hop_of("1.5"), 0);
        assert_eq!(hop_of(""), 0);
        assert_eq!(hop_of("٣"), 0); // non-ASCII digit
    }

    #[test]
    fn hop_whitespace_trimmed_by_baggage() {
        let b = Baggage::parse("caracal.hop= 4 ").unwrap();
        assert_eq!(CaracalContext::from_baggage(&b).hop, 4);
    }

    #[test]
    fn reads_all_ids() {
        let b = Baggage::parse(
            "caracal.agent_session=a,caracal.delegation_edge=d,caracal.parent_edge=p,\
             caracal.session=s,caracal.hop=2,other=1",
        )
        .unwrap();
        let ctx = CaracalContext::from_baggage(&b);
        let expected = CaracalContext {
            agent_session: Some("a".into()),
            delegation_edge: Some("d".into()),
            parent_edge: Some("p".into()),
            session: Some("s".into()),
            hop: 2,
        };
        assert_eq!(ctx, expected);
    }

    #[test]
    fn write_overwrites_every_caracal_member() {
        let mut b = Baggage::parse(
            "caracal.agent_session=forged,caracal.hop=9,caracal.extra=x,zz=1,aa=2;p",
        )
        .unwrap();
        let ctx = CaracalContext {
            agent_session: Some("0190a-sess".into()),
            delegation_edge: Some("edge 1".into()),
            parent_edge: None,
            session: Some(String::new()),
            hop: 2,
        };
        ctx.write_to(&mut b);
        assert_eq!(
            b.to_header(),
            "aa=2;p,caracal.agent_session=0190a-sess,caracal.delegation_edge=edge%201,\
             caracal.hop=2,zz=1"
        );
        assert_eq!(CaracalContext::from_baggage(&b).session, None);
    }

    #[test]
    fn hop_written_only_when_needed() {
        let mut b = Baggage::parse("caracal.hop=5,k=v").unwrap();
        CaracalContext::default().write_to(&mut b);
        assert_eq!(b.to_header(), "k=v");

        let hop_only = CaracalContext {
            hop: 3,
            ..Default::default()
        };
        hop_only.write_to(&mut b);
        assert_eq!(b.to_header(), "caracal.hop=3,k=v");

        let id_only = CaracalContext {
            parent_edge: Some("p".into()),
            ..Default::default()
        };
        id_only.write_to(&mut b);
        assert_eq!(b.to_header(), "caracal.hop=0,caracal.parent_edge=p,k=v");
    }

    #[test]
    fn round_trip() {
        let ctx = CaracalContext {
            agent_session: Some("s/1".into()),
            delegation_edge: None,
            parent_edge: Some("p;1".into()),
            session: Some("root".into()),
            hop: 10,
        };
        let mut b = Baggage::default();
        ctx.write_to(&mut b);
        let header = b.to_header();
        assert_eq!(
            header,
            "caracal.agent_session=s%2F1,caracal.hop=10,caracal.parent_edge=p%3B1,caracal.session=root"
        );
        assert_eq!(
            CaracalContext::from_baggage(&Baggage::parse(&header).unwrap()),
            ctx
        );
    }
}
