//! Trusted proxies: the networks whose `X-Forwarded-For` we believe, and the client address behind them.
use std::net::IpAddr;
use std::str::FromStr;

/// An address or network (`10.0.0.0/8`, `::1`, `2001:db8::/32`) whose `X-Forwarded-For` we believe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for Network {
    type Err = String;
    fn from_str(s: &str) -> Result<Network, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{s}' is not an IP address or CIDR range"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}': the prefix length must be 0 to {max}"))?,
            None => max,
        };
        Ok(Network { addr, prefix })
    }
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The client address: the peer, or — when the peer is a trusted proxy — the rightmost address in
/// `X-Forwarded-For` that is not a trusted proxy. Never a value the client chose: hops to the left of
/// the first untrusted one are whatever the client sent.
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[Network]) -> IpAddr {
    if !trusted.iter().any(|n| n.contains(peer)) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.iter().flat_map(|h| h.split(',')).rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            // A garbled hop: nothing to its left can be believed.
            break;
        };
        client = ip;
        if !trusted.iter().any(|n| n.contains(ip)) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<Network> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn networks_parse_and_match() {
        let n: Network = "10.0.0.0/8".parse().unwrap();
        assert!(n.contains("10.1.2.3".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.9.9.9".parse().unwrap()));
        let v6: Network = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Network>().is_err());
        assert!("proxy".parse::<Network>().is_err());
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        // The client put a fake address first; the proxy appended the real one.
        assert_eq!(
            client_ip(peer, &["6.6.6.6, 203.0.113.9"], &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // Two proxies of ours in a row.
        assert_eq!(
            client_ip(peer, &["203.0.113.9, 10.0.0.7"], &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // A peer that is not a trusted proxy: its header means nothing.
        let stranger: IpAddr = "198.51.100.4".parse().unwrap();
        assert_eq!(client_ip(stranger, &["1.2.3.4"], &trusted), stranger);
        // Without a header, the proxy itself.
        assert_eq!(client_ip(peer, &[], &trusted), peer);
        // Several header lines count as one list, in order.
        assert_eq!(
            client_ip(peer, &["6.6.6.6", "203.0.113.9"], &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // Garbage stops the walk.
        assert_eq!(client_ip(peer, &["1.2.3.4, junk"], &trusted), peer);
    }
}
