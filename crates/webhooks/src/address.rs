//! Where webhooks may go: endpoint URLs and the addresses refused unless private destinations
//! are allowed (`TICKETING_WEBHOOK_ALLOW_PRIVATE=true`).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use reqwest::Url;
use url::Host;

/// An address that may not receive webhooks, and the range it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{address} is {range}")]
pub struct RefusedAddress {
    /// The address as resolved or written.
    pub address: IpAddr,
    /// The kind of range, e.g. "a loopback address".
    pub range: &'static str,
}

const METADATA: &str = "a cloud metadata address";
const PRIVATE: &str = "a private address";
const DOCUMENTATION: &str = "a documentation address";
const MULTICAST: &str = "a multicast address";

/// Special-purpose IPv4 ranges (RFC 6890 and the IANA registry) that are not public hosts.
/// The first match names the range, so the most specific entries come first.
const V4_REFUSED: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(169, 254, 169, 254), 32, METADATA),
    (Ipv4Addr::new(100, 100, 100, 200), 32, METADATA),
    (
        Ipv4Addr::new(255, 255, 255, 255),
        32,
        "the broadcast address",
    ),
    (
        Ipv4Addr::new(0, 0, 0, 0),
        8,
        "an unspecified (\"this network\") address",
    ),
    (Ipv4Addr::new(10, 0, 0, 0), 8, PRIVATE),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "a shared (CGNAT) address"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "a loopback address"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "a link-local address"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, PRIVATE),
    (
        Ipv4Addr::new(192, 0, 0, 0),
        24,
        "an IETF protocol assignment",
    ),
    (Ipv4Addr::new(192, 0, 2, 0), 24, DOCUMENTATION),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "a 6to4 relay address"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, PRIVATE),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "a benchmarking address"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, DOCUMENTATION),
    (Ipv4Addr::new(203, 0, 113, 0), 24, DOCUMENTATION),
    (Ipv4Addr::new(224, 0, 0, 0), 4, MULTICAST),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "a reserved address"),
];

const fn v6(segments: [u16; 8]) -> Ipv6Addr {
    let [a, b, c, d, e, f, g, h] = segments;
    Ipv6Addr::new(a, b, c, d, e, f, g, h)
}

/// Special-purpose IPv6 ranges, most specific first. Addresses that embed an IPv4 address
/// (IPv4-mapped, NAT64, 6to4) are judged by that address before this table is consulted, and
/// anything outside global unicast (2000::/3) is refused after it.
const V6_REFUSED: &[(Ipv6Addr, u8, &str)] = &[
    (v6([0, 0, 0, 0, 0, 0, 0, 0]), 128, "the unspecified address"),
    (v6([0, 0, 0, 0, 0, 0, 0, 1]), 128, "a loopback address"),
    (v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]), 128, METADATA),
    (
        v6([0, 0, 0, 0, 0, 0, 0, 0]),
        96,
        "an IPv4-compatible address",
    ),
    (
        v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0]),
        48,
        "a local-use NAT64 address",
    ),
    (
        v6([0x100, 0, 0, 0, 0, 0, 0, 0]),
        64,
        "a discard-only address",
    ),
    (v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]), 32, DOCUMENTATION),
    (v6([0x3fff, 0, 0, 0, 0, 0, 0, 0]), 20, DOCUMENTATION),
    (
        v6([0x2001, 0, 0, 0, 0, 0, 0, 0]),
        23,
        "an IETF protocol assignment",
    ),
    (
        v6([0xfc00, 0, 0, 0, 0, 0, 0, 0]),
        7,
        "a unique-local address",
    ),
    (
        v6([0xfe80, 0, 0, 0, 0, 0, 0, 0]),
        10,
        "a link-local address",
    ),
    (
        v6([0xfec0, 0, 0, 0, 0, 0, 0, 0]),
        10,
        "a site-local address",
    ),
    (v6([0xff00, 0, 0, 0, 0, 0, 0, 0]), 8, MULTICAST),
];

/// Refuses loopback, private, link-local, unique-local, CGNAT, multicast, unspecified,
/// broadcast, documentation and other special-purpose addresses, cloud metadata addresses, and
/// IPv6 forms that embed a refused IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64
/// `64:ff9b::a.b.c.d`, 6to4 `2002:AABB:CCDD::`).
///
/// # Errors
/// [`RefusedAddress`] names the range.
pub fn check_address(address: IpAddr) -> Result<(), RefusedAddress> {
    let range = match address {
        IpAddr::V4(v4) => v4_range(v4),
        IpAddr::V6(v6) => v6_range(v6),
    };
    match range {
        Some(range) => Err(RefusedAddress { address, range }),
        None => Ok(()),
    }
}

fn v4_range(address: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(address);
    V4_REFUSED
        .iter()
        .find(|(net, len, _)| prefix_matches(bits.into(), u32::from(*net).into(), *len, 32))
        .map(|(_, _, range)| *range)
}

fn v6_range(address: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(address);
    let high96 = bits >> 32;
    // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64) end with the IPv4 address.
    let embedded = if high96 == 0xffff || high96 == 0x0064_ff9b_u128 << 64 {
        Some(bits)
    } else if bits >> 112 == 0x2002 {
        Some(bits >> 80) // 2002:AABB:CCDD::/48
    } else {
        None
    };
    if let Some(v4) = embedded {
        // Truncation keeps the low 32 bits: the embedded IPv4 address.
        #[allow(clippy::cast_possible_truncation)]
        return v4_range(Ipv4Addr::from(v4 as u32));
    }
    V6_REFUSED
        .iter()
        .find(|(net, len, _)| prefix_matches(bits, u128::from(*net), *len, 128))
        .map(|(_, _, range)| *range)
        .or_else(|| (bits >> 125 != 0b001).then_some("not a global unicast address"))
}

fn prefix_matches(address: u128, network: u128, len: u8, width: u32) -> bool {
    let shift = width - u32::from(len);
    shift >= width || address >> shift == network >> shift
}

/// A webhook endpoint URL that passed [`EndpointUrl::parse`]. `Display` and `Debug` hide the
/// query string (receivers often carry a token there): use [`EndpointUrl::as_str`] only to
/// store or send it.
#[derive(Clone, PartialEq, Eq)]
pub struct EndpointUrl(Url);

/// Why a text is not an acceptable endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Longer than [`EndpointUrl::MAX_LEN`] bytes.
    #[error("the URL is longer than {max} characters", max = EndpointUrl::MAX_LEN)]
    TooLong,
    /// Not an absolute URL.
    #[error("not an absolute URL: {0}")]
    Invalid(String),
    /// Neither `http` nor `https`.
    #[error("the URL scheme must be http or https, not {0}")]
    Scheme(String),
    /// No host name or address.
    #[error("the URL has no host")]
    NoHost,
    /// A user name or password in the URL.
    #[error("the URL must not contain a user name or password")]
    Credentials,
    /// An address literal in a refused range, and private destinations are not allowed.
    #[error(transparent)]
    Refused(#[from] RefusedAddress),
}

impl EndpointUrl {
    /// The longest URL accepted, in bytes.
    pub const MAX_LEN: usize = 2048;

    /// Checks an endpoint URL when it is created or changed: absolute `http`/`https` with a
    /// host, no user name or password, at most [`EndpointUrl::MAX_LEN`] bytes; unless
    /// `allow_private`, no address literal in a refused range. Host names are checked after
    /// DNS resolution, at every delivery.
    ///
    /// # Errors
    /// [`UrlError`] gives a reason fit to show to the admin.
    pub fn parse(text: &str, allow_private: bool) -> Result<Self, UrlError> {
        if text.len() > Self::MAX_LEN {
            return Err(UrlError::TooLong);
        }
        let url = Url::parse(text).map_err(|e| UrlError::Invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UrlError::Scheme(url.scheme().to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::Credentials);
        }
        let host = url.host().ok_or(UrlError::NoHost)?;
        if !allow_private {
            match host {
                Host::Domain(_) => {}
                Host::Ipv4(v4) => check_address(v4.into())?,
                Host::Ipv6(v6) => check_address(v6.into())?,
            }
        }
        Ok(Self(url))
    }

    /// The full URL, query string included: to store and to send, not to log.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub(crate) fn url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for EndpointUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.0;
        write!(f, "{}://", url.scheme())?;
        if let Some(host) = url.host() {
            write!(f, "{host}")?;
        }
        if let Some(port) = url.port() {
            write!(f, ":{port}")?;
        }
        f.write_str(url.path())?;
        if url.query().is_some() {
            f.write_str("?…")?;
        }
        Ok(())
    }
}

impl fmt::Debug for EndpointUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EndpointUrl({self})")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn range_of(text: &str) -> Option<&'static str> {
        check_address(text.parse().unwrap()).err().map(|e| e.range)
    }

    #[test]
    fn refuses_every_special_range() {
        let refused = [
            ("0.0.0.0", "an unspecified (\"this network\") address"),
            ("10.1.2.3", PRIVATE),
            ("100.64.0.1", "a shared (CGNAT) address"),
            ("100.127.255.255", "a shared (CGNAT) address"),
            ("127.0.0.1", "a loopback address"),
            ("127.255.0.9", "a loopback address"),
            ("169.254.1.1", "a link-local address"),
            ("169.254.169.254", METADATA),
            ("100.100.100.200", METADATA),
            ("172.16.0.1", PRIVATE),
            ("172.31.255.254", PRIVATE),
            ("192.0.0.170", "an IETF protocol assignment"),
            ("192.0.2.10", DOCUMENTATION),
            ("192.168.1.1", PRIVATE),
            ("198.19.0.1", "a benchmarking address"),
            ("198.51.100.7", DOCUMENTATION),
            ("203.0.113.9", DOCUMENTATION),
            ("224.0.0.251", MULTICAST),
            ("239.255.255.250", MULTICAST),
            ("240.0.0.1", "a reserved address"),
            ("255.255.255.255", "the broadcast address"),
            ("::", "the unspecified address"),
            ("::1", "a loopback address"),
            ("::ffff:127.0.0.1", "a loopback address"),
            ("::ffff:169.254.169.254", METADATA),
            ("::ffff:10.0.0.1", PRIVATE),
            ("64:ff9b::a9fe:a9fe", METADATA),
            ("2002:c0a8:0101::1", PRIVATE),
            ("::10.0.0.1", "an IPv4-compatible address"),
            ("64:ff9b:1::1", "a local-use NAT64 address"),
            ("100::1", "a discard-only address"),
            ("2001:db8::1", DOCUMENTATION),
            ("3fff:1::1", DOCUMENTATION),
            ("2001::1", "an IETF protocol assignment"),
            ("fc00::1", "a unique-local address"),
            ("fd12:3456::1", "a unique-local address"),
            ("fd00:ec2::254", METADATA),
            ("fe80::1", "a link-local address"),
            ("fec0::1", "a site-local address"),
            ("ff02::1", MULTICAST),
            ("4000::1", "not a global unicast address"),
        ];
        for (address, range) in refused {
            assert_eq!(range_of(address), Some(range), "{address}");
        }
    }

    #[test]
    fn accepts_public_addresses() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.88.98.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
        ] {
            assert_eq!(range_of(address), None, "{address}");
        }
    }

    #[test]
    fn refused_address_explains_itself() {
        let error = check_address("::ffff:127.0.0.1".parse().unwrap()).unwrap_err();
        assert_eq!(error.to_string(), "::ffff:127.0.0.1 is a loopback address");
    }

    #[test]
    fn endpoint_urls_are_checked_with_a_reason() {
        let parse = |text: &str| EndpointUrl::parse(text, false);
        assert!(parse("https://hooks.example.com/in?token=x").is_ok());
        assert!(parse("http://8.8.8.8:8080/hook").is_ok());
        let too_long = format!("https://example.com/{}", "a".repeat(EndpointUrl::MAX_LEN));
        assert_eq!(parse(&too_long), Err(UrlError::TooLong));
        assert!(matches!(parse("/relative"), Err(UrlError::Invalid(_))));
        assert!(matches!(parse("http://"), Err(UrlError::Invalid(_))));
        assert_eq!(
            parse("ftp://example.com/"),
            Err(UrlError::Scheme("ftp".into()))
        );
        assert!(matches!(
            parse("file:///etc/passwd"),
            Err(UrlError::Scheme(_))
        ));
        assert_eq!(parse("unix:/run/x"), Err(UrlError::Scheme("unix".into())));
        assert_eq!(
            parse("https://user:pw@example.com/"),
            Err(UrlError::Credentials)
        );
        assert_eq!(
            parse("https://user@example.com/"),
            Err(UrlError::Credentials)
        );
        // Names are judged after resolution, at delivery.
        assert!(parse("http://localhost/x").is_ok());
        // The URL parser normalises odd spellings of addresses before the check.
        for sneaky in [
            "http://127.1/",
            "http://0x7f000001/",
            "http://[::ffff:7f00:1]/",
        ] {
            let error = parse(sneaky).unwrap_err();
            assert!(
                error.to_string().ends_with("is a loopback address"),
                "{sneaky}: {error}"
            );
        }
        assert!(EndpointUrl::parse("http://127.0.0.1:9/x", true).is_ok());
        assert!(EndpointUrl::parse("http://[::1]:9/x", true).is_ok());
    }

    #[test]
    fn display_and_debug_hide_the_query() {
        let url =
            EndpointUrl::parse("https://example.com:8443/in?token=s3cret#frag", false).unwrap();
        assert_eq!(url.to_string(), "https://example.com:8443/in?…");
        assert_eq!(
            format!("{url:?}"),
            "EndpointUrl(https://example.com:8443/in?…)"
        );
        assert!(url.as_str().contains("token=s3cret"));
    }
}
