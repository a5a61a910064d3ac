//! The client's address behind reverse proxies. The TCP peer is the client unless it is one of the
//! operator's trusted proxies; only then are `Forwarded` / `X-Forwarded-For` read, from the right,
//! skipping trusted hops, so the first untrusted address is the client. Anything to the left of it
//! was written by the client and is never believed.
use std::net::IpAddr;

/// One address or a CIDR block (`10.0.0.0/8`, `::1`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// # Errors
    /// A sentence naming the value that is not an address or CIDR block.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("'{text}' is not an IP address or CIDR block (e.g. 10.0.0.0/8)");
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (text, None),
        };
        let network: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Self { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// IPv4 peers on a dual-stack socket arrive as `::ffff:a.b.c.d`; compare them as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The reverse proxies whose forwarding headers are believed. Empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// A comma-separated list of addresses or CIDR blocks; empty means none.
    ///
    /// # Errors
    /// A sentence naming the first value that is not understood.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Cidr::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client's address, from the TCP peer and the request's `Forwarded` and `X-Forwarded-For`
    /// header values (in the order they came). `Forwarded` wins when both are present.
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded: impl Iterator<Item = &'a str>,
        x_forwarded_for: impl Iterator<Item = &'a str>,
    ) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut hops: Vec<Option<IpAddr>> = forwarded
            .flat_map(|v| v.split(','))
            .filter_map(forwarded_for)
            .collect();
        if hops.is_empty() {
            hops = x_forwarded_for
                .flat_map(|v| v.split(','))
                .map(|h| parse_hop(h.trim()))
                .collect();
        }
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(*ip);
                    if !self.trusts(client) {
                        break;
                    }
                }
                // An obfuscated or malformed hop: nothing to its left can be believed.
                None => break,
            }
        }
        client
    }
}

/// The `for=` parameter of one `Forwarded` element: `Some(None)` when present but not an address.
fn forwarded_for(element: &str) -> Option<Option<IpAddr>> {
    element.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("for")
            .then(|| parse_hop(v.trim().trim_matches('"')))
    })
}

/// An address as proxies write it: `203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list).expect("list")
    }

    #[test]
    fn addresses_and_blocks_are_parsed_and_nonsense_is_refused() {
        let p = proxies(" 127.0.0.1, 10.0.0.0/8 ,::1, 2001:db8::/32");
        assert!(p.trusts(ip("127.0.0.1")));
        assert!(!p.trusts(ip("127.0.0.2")));
        assert!(p.trusts(ip("10.200.3.4")));
        assert!(!p.trusts(ip("11.0.0.1")));
        assert!(p.trusts(ip("::1")));
        assert!(p.trusts(ip("2001:db8:ffff::5")));
        assert!(p.trusts(ip("::ffff:10.1.2.3")));
        assert!(TrustedProxies::parse("").expect("empty").is_empty());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("nginx").is_err());
        assert!(proxies("0.0.0.0/0").trusts(ip("198.51.100.1")));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let p = proxies("10.0.0.1");
        let got = p.client(
            ip("198.51.100.9"),
            ["for=203.0.113.7"].into_iter(),
            ["203.0.113.7"].into_iter(),
        );
        assert_eq!(got, ip("198.51.100.9"));
        let none = TrustedProxies::default();
        let got = none.client(
            ip("127.0.0.1"),
            std::iter::empty(),
            ["203.0.113.7"].into_iter(),
        );
        assert_eq!(got, ip("127.0.0.1"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client() {
        let p = proxies("127.0.0.1, 10.0.0.0/8");
        // The client put a fake address first; the proxies appended the real one and themselves.
        let got = p.client(
            ip("127.0.0.1"),
            std::iter::empty(),
            ["1.2.3.4, 203.0.113.7", "10.0.0.5"].into_iter(),
        );
        assert_eq!(got, ip("203.0.113.7"));
        let got = p.client(
            ip("127.0.0.1"),
            [r#"for=1.2.3.4, for="[2001:db8::7]:4711";proto=https"#].into_iter(),
            ["9.9.9.9"].into_iter(),
        );
        assert_eq!(got, ip("2001:db8::7"));
        let got = p.client(
            ip("127.0.0.1"),
            ["for=203.0.113.7:8080;by=10.0.0.1"].into_iter(),
            std::iter::empty(),
        );
        assert_eq!(got, ip("203.0.113.7"));
    }

    #[test]
    fn a_trusted_peer_without_a_usable_header_is_the_client() {
        let p = proxies("127.0.0.1");
        let got = p.client(ip("127.0.0.1"), std::iter::empty(), std::iter::empty());
        assert_eq!(got, ip("127.0.0.1"));
        let got = p.client(
            ip("127.0.0.1"),
            ["for=_hidden"].into_iter(),
            std::iter::empty(),
        );
        assert_eq!(got, ip("127.0.0.1"));
        // Everything trusted: the left-most hop is as far as the chain goes.
        let got = p.client(
            ip("127.0.0.1"),
            std::iter::empty(),
            ["127.0.0.1"].into_iter(),
        );
        assert_eq!(got, ip("127.0.0.1"));
    }
}
