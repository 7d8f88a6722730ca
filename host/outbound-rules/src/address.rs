//! Special-purpose IP addresses: the destinations no wildcard may reach,
//! checked on the literal host of a URL and again on every address a name
//! resolves to (DNS rebinding).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is special. Only an allow-list entry (or a configured
/// resource or gateway) naming the host exactly may reach such an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpecialAddress {
    /// `0.0.0.0/8`, `::`.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// `10/8`, `172.16/12`, `192.168/16`.
    Private,
    /// `169.254/16`, `fe80::/10`.
    LinkLocal,
    /// `fc00::/7` (and the deprecated site-local `fec0::/10`).
    UniqueLocal,
    /// Carrier-grade NAT, `100.64.0.0/10`.
    SharedCgnat,
    /// NAT64 prefixes `64:ff9b::/96` and `64:ff9b:1::/48`, which translate
    /// to an IPv4 address of the gateway's choosing.
    Nat64,
    /// `::ffff:a.b.c.d`: an IPv4 address in IPv6 clothing.
    Ipv4Mapped,
    /// `::a.b.c.d` (deprecated IPv4-compatible form).
    Ipv4Compatible,
    /// `224/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// Cloud instance metadata: `169.254.169.254`, `fd00:ec2::254`,
    /// `100.100.100.200`.
    Metadata,
    /// Reserved or special-use: `192.0.0/24`, `198.18/15` (benchmarking),
    /// the documentation ranges, `240/4`, `100::/64` (discard),
    /// `2001:db8::/32`.
    Reserved,
}

impl SpecialAddress {
    /// How the address is described in a refusal.
    pub fn describe(self) -> &'static str {
        match self {
            SpecialAddress::Unspecified => "unspecified",
            SpecialAddress::Loopback => "loopback",
            SpecialAddress::Private => "private",
            SpecialAddress::LinkLocal => "link-local",
            SpecialAddress::UniqueLocal => "unique-local",
            SpecialAddress::SharedCgnat => "carrier-grade NAT",
            SpecialAddress::Nat64 => "NAT64",
            SpecialAddress::Ipv4Mapped => "IPv4-mapped",
            SpecialAddress::Ipv4Compatible => "IPv4-compatible",
            SpecialAddress::Multicast => "multicast",
            SpecialAddress::Broadcast => "broadcast",
            SpecialAddress::Metadata => "cloud metadata",
            SpecialAddress::Reserved => "reserved",
        }
    }
}

impl fmt::Display for SpecialAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The special-purpose class of `ip`, or `None` for an ordinary public
/// unicast address.
///
/// ```
/// use caracal_outbound_rules::{SpecialAddress, special_address};
///
/// assert_eq!(special_address("8.8.8.8".parse().unwrap()), None);
/// assert_eq!(special_address("100.64.1.1".parse().unwrap()), Some(SpecialAddress::SharedCgnat));
/// assert_eq!(special_address("::ffff:8.8.8.8".parse().unwrap()), Some(SpecialAddress::Ipv4Mapped));
/// ```
pub fn special_address(ip: IpAddr) -> Option<SpecialAddress> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(v4: Ipv4Addr) -> Option<SpecialAddress> {
    let [a, b, c, d] = v4.octets();
    Some(match (a, b, c, d) {
        (169, 254, 169, 254) | (100, 100, 100, 200) => SpecialAddress::Metadata,
        (0, ..) => SpecialAddress::Unspecified,
        (127, ..) => SpecialAddress::Loopback,
        (10, ..) | (192, 168, ..) => SpecialAddress::Private,
        (172, b, ..) if (16..32).contains(&b) => SpecialAddress::Private,
        (169, 254, ..) => SpecialAddress::LinkLocal,
        (100, b, ..) if (64..128).contains(&b) => SpecialAddress::SharedCgnat,
        (255, 255, 255, 255) => SpecialAddress::Broadcast,
        (224..=239, ..) => SpecialAddress::Multicast,
        (240..=255, ..)
        | (192, 0, 0 | 2, _)
        | (198, 18 | 19, ..)
        | (198, 51, 100, _)
        | (203, 0, 113, _) => SpecialAddress::Reserved,
        _ => return None,
    })
}

fn special_v6(v6: Ipv6Addr) -> Option<SpecialAddress> {
    let s = v6.segments();
    if v6.is_unspecified() {
        return Some(SpecialAddress::Unspecified);
    }
    if v6.is_loopback() {
        return Some(SpecialAddress::Loopback);
    }
    if v6.to_ipv4_mapped().is_some() {
        return Some(SpecialAddress::Ipv4Mapped);
    }
    Some(match s {
        [0, 0, 0, 0, 0, 0, _, _] => SpecialAddress::Ipv4Compatible,
        [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254] => SpecialAddress::Metadata,
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] | [0x64, 0xff9b, 1, ..] => SpecialAddress::Nat64,
        [first, ..] if first & 0xffc0 == 0xfe80 => SpecialAddress::LinkLocal,
        [first, ..] if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfec0 => {
            SpecialAddress::UniqueLocal
        }
        [first, ..] if first & 0xff00 == 0xff00 => SpecialAddress::Multicast,
        [0x100, 0, 0, 0, ..] | [0x2001, 0x0db8, ..] => SpecialAddress::Reserved,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let cases: &[(&str, Option<SpecialAddress>)] = &[
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("2606:4700::1111", None),
            ("0.0.0.0", Some(SpecialAddress::Unspecified)),
            ("0.1.2.3", Some(SpecialAddress::Unspecified)),
            ("127.0.0.1", Some(SpecialAddress::Loopback)),
            ("127.255.0.9", Some(SpecialAddress::Loopback)),
            ("10.1.2.3", Some(SpecialAddress::Private)),
            ("172.16.0.1", Some(SpecialAddress::Private)),
            ("172.31.255.255", Some(SpecialAddress::Private)),
            ("192.168.1.1", Some(SpecialAddress::Private)),
            ("169.254.1.1", Some(SpecialAddress::LinkLocal)),
            ("169.254.169.254", Some(SpecialAddress::Metadata)),
            ("100.100.100.200", Some(SpecialAddress::Metadata)),
            ("100.64.0.1", Some(SpecialAddress::SharedCgnat)),
            ("100.127.255.255", Some(SpecialAddress::SharedCgnat)),
            ("224.0.0.1", Some(SpecialAddress::Multicast)),
            ("255.255.255.255", Some(SpecialAddress::Broadcast)),
            ("240.0.0.1", Some(SpecialAddress::Reserved)),
            ("198.18.0.1", Some(SpecialAddress::Reserved)),
            ("192.0.2.1", Some(SpecialAddress::Reserved)),
            ("::", Some(SpecialAddress::Unspecified)),
            ("::1", Some(SpecialAddress::Loopback)),
            ("::ffff:127.0.0.1", Some(SpecialAddress::Ipv4Mapped)),
            ("::ffff:8.8.8.8", Some(SpecialAddress::Ipv4Mapped)),
            ("::127.0.0.1", Some(SpecialAddress::Ipv4Compatible)),
            ("64:ff9b::7f00:1", Some(SpecialAddress::Nat64)),
            ("64:ff9b:1::1", Some(SpecialAddress::Nat64)),
            ("fe80::1", Some(SpecialAddress::LinkLocal)),
            ("fc00::1", Some(SpecialAddress::UniqueLocal)),
            ("fd12:3456::1", Some(SpecialAddress::UniqueLocal)),
            ("fec0::1", Some(SpecialAddress::UniqueLocal)),
            ("fd00:ec2::254", Some(SpecialAddress::Metadata)),
            ("ff02::1", Some(SpecialAddress::Multicast)),
            ("2001:db8::1", Some(SpecialAddress::Reserved)),
            ("100::1", Some(SpecialAddress::Reserved)),
        ];
        for (text, want) in cases {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(special_address(ip), *want, "{text}");
        }
    }
}
