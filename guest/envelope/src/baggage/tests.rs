//! Unit tests for [`Baggage`](super::Baggage).

use super::*;

fn members(b: &Baggage) -> Vec<(&str, &str)> {
    b.iter().collect()
}

#[test]
fn parses_trims_and_decodes() {
    let b = Baggage::parse("  userId = alice , serverNode=DF%2028 ,isProduction=false").unwrap();
    assert_eq!(
        members(&b),
        [
            ("userId", "alice"),
            ("serverNode", "DF 28"),
            ("isProduction", "false")
        ]
    );
    assert_eq!(
        b.to_header(),
        "isProduction=false,serverNode=DF%2028,userId=alice"
    );
}

#[test]
fn skips_malformed_members() {
    let b = Baggage::parse("noeq,=v,  =v,bad key=1,k\"=2,ok=1,,a=b=c,é=1").unwrap();
    assert_eq!(members(&b), [("ok", "1"), ("a", "b=c")]);
    assert_eq!(b.to_header(), "a=b%3Dc,ok=1");
}

#[test]
fn empty_value_is_kept() {
    let b = Baggage::parse("k=,j= ;p").unwrap();
    assert_eq!(members(&b), [("k", ""), ("j", "")]);
    assert_eq!(b.to_header(), "j=;p,k=");
}

#[test]
fn last_duplicate_wins_in_place() {
    let b = Baggage::parse("a=1;p,b=2,a=3").unwrap();
    assert_eq!(members(&b), [("a", "3"), ("b", "2")]);
    assert_eq!(b.properties("a"), None);
}

#[test]
fn properties_kept_verbatim() {
    let b = Baggage::parse("k=v ; propA ;propB=x%20y , m=1;").unwrap();
    assert_eq!(b.get("k"), Some("v"));
    assert_eq!(b.properties("k"), Some("propA ;propB=x%20y"));
    assert_eq!(b.properties("m"), None);
    assert_eq!(b.to_header(), "k=v;propA ;propB=x%20y,m=1");
}

#[test]
fn percent_round_trip() {
    let mut b = Baggage::default();
    b.insert("spaces", "a b  c");
    b.insert("delims", "x=1,y=2;z");
    b.insert("pct", "100%");
    b.insert("utf8", "naïve ☃ 日本");
    let header = b.to_header();
    assert_eq!(
        header,
        "delims=x%3D1%2Cy%3D2%3Bz,pct=100%25,spaces=a%20b%20%20c,\
         utf8=na%C3%AFve%20%E2%98%83%20%E6%97%A5%E6%9C%AC"
    );
    let back = Baggage::parse(&header).unwrap();
    assert_eq!(back.get("spaces"), Some("a b  c"));
    assert_eq!(back.get("delims"), Some("x=1,y=2;z"));
    assert_eq!(back.get("pct"), Some("100%"));
    assert_eq!(back.get("utf8"), Some("naïve ☃ 日本"));
    assert_eq!(back.to_header(), header);
}

#[test]
fn invalid_percent_kept_literally() {
    let b = Baggage::parse("a=50%,b=%zz,c=%4").unwrap();
    assert_eq!(members(&b), [("a", "50%"), ("b", "%zz"), ("c", "%4")]);
    assert_eq!(b.to_header(), "a=50%25,b=%25zz,c=%254");
}

#[test]
fn byte_limit() {
    let at_limit = format!("k={}", "v".repeat(Baggage::MAX_BYTES - 2));
    assert_eq!(Baggage::parse(&at_limit).unwrap().len(), 1);
    let over = format!("k={}", "v".repeat(Baggage::MAX_BYTES - 1));
    assert_eq!(
        Baggage::parse(&over),
        Err(EnvelopeError::BaggageTooLarge { len: 8193 })
    );
}

#[test]
fn member_limit() {
    let list = |n: usize| {
        (0..n)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(Baggage::parse(&list(64)).unwrap().len(), 64);
    assert_eq!(
        Baggage::parse(&list(65)),
        Err(EnvelopeError::TooManyBaggageMembers { count: 65 })
    );
    // Empty pieces count, as in the upstream SDKs.
    let trailing = format!("{},", list(64));
    assert_eq!(
        Baggage::parse(&trailing),
        Err(EnvelopeError::TooManyBaggageMembers { count: 65 })
    );
}

#[test]
fn sorted_by_key_bytes() {
    let b = Baggage::parse("b=1,B=2,a.b=3,a=4,_=5").unwrap();
    assert_eq!(b.to_header(), "B=2,_=5,a=4,a.b=3,b=1");
    assert_eq!(Baggage::default().to_header(), "");
}

#[test]
fn insert_remove_retain() {
    let mut b = Baggage::parse("a=1;p,b=2").unwrap();
    b.insert("a", "x");
    assert_eq!(members(&b), [("a", "x"), ("b", "2")]);
    assert_eq!(b.properties("a"), None, "insert replaces properties");
    assert_eq!(b.remove("missing"), None);
    assert_eq!(b.remove("b"), Some("2".to_owned()));
    b.insert("c", "3");
    b.retain(|k| k != "a");
    assert_eq!(b.to_header(), "c=3");
    b.retain(|_| false);
    assert!(b.is_empty());
}

#[test]
fn non_token_keys_are_not_emitted() {
    let mut b = Baggage::default();
    b.insert("bad key", "1");
    b.insert("k=v", "2");
    b.insert("good", "3");
    assert_eq!(b.len(), 3);
    assert_eq!(b.to_header(), "good=3");
}

#[test]
fn within_limits_drops_unprotected_members_last_first() {
    let mut b = Baggage::default();
    for i in 0..70 {
        b.insert(format!("k{i:02}"), "v");
    }
    b.insert("caracal.hop", "1");
    let header = b.to_header_within_limits(|k| k.starts_with("caracal."));
    let parsed = Baggage::parse(&header).unwrap();
    assert_eq!(parsed.len(), 64);
    assert_eq!(parsed.get("caracal.hop"), Some("1"));
    assert_eq!(parsed.get("k62"), Some("v"));
    assert_eq!(parsed.get("k63"), None);

    let mut big = Baggage::default();
    big.insert("a", "x".repeat(5000));
    big.insert("b", "y".repeat(5000));
    big.insert("caracal.session", "s");
    assert_eq!(
        big.to_header_within_limits(|k| k.starts_with("caracal.")),
        format!("a={},caracal.session=s", "x".repeat(5000))
    );
    assert_eq!(big.to_header_within_limits(|_| true).len(), 10023);
}
