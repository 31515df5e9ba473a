//! Who is on the other end: the TCP peer, or — only when that peer is a
//! trusted reverse proxy (`STEWARD_TRUSTED_PROXIES`) — the right-most address
//! in `X-Forwarded-For` that is not itself a trusted proxy. Anything a client
//! writes to the left of that is ignored, so a spoofed header changes nothing.
//! The result feeds rate limits, the audit log and the `/metrics` guard.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// An address block such as `10.0.0.0/8`, `fd00::/8` or a single `192.0.2.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for IpNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| format!("{s:?} is not an IP address or CIDR block"))?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(format!("{s:?}: the prefix length must be 0 to {max}")),
            },
        };
        Ok(IpNet { addr, prefix })
    }
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(u32::from(net).into(), u32::from(ip).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(u128::from(net), u128::from(ip), 128, self.prefix),
            _ => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, bits: u8, prefix: u8) -> bool {
    let shift = bits - prefix;
    // A shift by the full width would overflow; prefix 0 matches everything.
    shift >= bits || (a >> shift) == (b >> shift)
}

/// `::ffff:192.0.2.1` (an IPv4 peer on a dual-stack socket) is `192.0.2.1`.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// The proxies whose `X-Forwarded-For` is believed. Empty by default: the header is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of addresses and CIDR blocks.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(IpNet::from_str)
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`, `[2001:db8::1]:80`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry.parse::<IpAddr>().ok().or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip())).map(canonical)
}

/// The client's address. `forwarded_for` are the `X-Forwarded-For` header values in the order received.
pub fn resolve<'a>(peer: IpAddr, forwarded_for: impl IntoIterator<Item = &'a str>, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let entries: Vec<&str> = forwarded_for.into_iter().flat_map(|v| v.split(',')).collect();
    // Walk from the nearest hop outwards; the first address not ours is the client.
    // A garbled entry ends the walk: what lies left of it cannot be believed.
    let mut client = peer;
    for entry in entries.iter().rev() {
        let Some(ip) = parse_entry(entry) else { break };
        client = ip;
        if !trusted.contains(ip) {
            break;
        }
    }
    client
}

/// The resolved client address, put in the request's extensions by [`layer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Middleware: resolves the client address once per request.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = from_parts(req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()), req.headers(), &state);
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

fn from_parts(peer: Option<IpAddr>, headers: &axum::http::HeaderMap, state: &AppState) -> IpAddr {
    let peer = peer.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let values = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    resolve(peer, values, &state.config.trusted_proxies)
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Every route sits behind `layer`; without it, the peer (never the header) is the answer.
        Ok(parts.extensions.get::<ClientIp>().copied().unwrap_or_else(|| {
            let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            ClientIp(peer.map(canonical).unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)))
        }))
    }
}

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn parses_lists() {
        let t = TrustedProxies::parse(" 10.0.0.0/8, 192.0.2.7 ,::1, fd00::/8,").expect("parse");
        assert_eq!(t.0.len(), 4);
        assert!(TrustedProxies::parse("").expect("empty").is_empty());
        for bad in ["10.0.0.0/33", "fd00::/129", "example.com", "10.0.0/8", "10.0.0.1/x", "1.2.3.4,nope"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn matches_blocks() {
        let cases = [
            ("10.0.0.0/8", "10.255.1.2", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("192.0.2.7", "192.0.2.7", true),
            ("192.0.2.7", "192.0.2.8", false),
            ("192.0.2.7", "::ffff:192.0.2.7", true),
            ("0.0.0.0/0", "203.0.113.9", true),
            ("0.0.0.0/0", "::1", false),
            ("fd00::/8", "fd12:3456::1", true),
            ("fd00::/8", "fe80::1", false),
            ("::/0", "2001:db8::1", true),
            ("::1", "::1", true),
            ("172.16.0.0/12", "172.31.255.255", true),
            ("172.16.0.0/12", "172.32.0.0", false),
        ];
        for (net, addr, expect) in cases {
            assert_eq!(net.parse::<IpNet>().expect("net").contains(ip(addr)), expect, "{net} ∋ {addr}");
        }
    }

    #[test]
    fn resolves_the_right_most_untrusted_address() {
        let trusted = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").expect("parse");
        let cases: [(&str, &[&str], &str); 11] = [
            // An untrusted peer: the header is ignored whatever it says.
            ("203.0.113.5", &["198.51.100.1"], "203.0.113.5"),
            // A trusted peer without the header is the client.
            ("127.0.0.1", &[], "127.0.0.1"),
            ("127.0.0.1", &["198.51.100.1"], "198.51.100.1"),
            // Spoofed left-most entries are ignored: the proxy appended the real one.
            ("127.0.0.1", &["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
            ("127.0.0.1", &["6.6.6.6", "198.51.100.1"], "198.51.100.1"),
            // Proxies in a chain are skipped.
            ("10.0.0.2", &["6.6.6.6, 198.51.100.1, 10.0.0.9"], "198.51.100.1"),
            // Everyone trusted: the farthest hop.
            ("10.0.0.2", &["10.0.0.3, 10.0.0.9"], "10.0.0.3"),
            // Garbage stops the walk at the last believable hop.
            ("127.0.0.1", &["198.51.100.1, garbage"], "127.0.0.1"),
            ("10.0.0.2", &["198.51.100.1, nonsense, 10.0.0.9"], "10.0.0.9"),
            // Ports and IPv6, and IPv4-mapped peers.
            ("127.0.0.1", &["[2001:db8::1]:443"], "2001:db8::1"),
            ("::ffff:127.0.0.1", &["198.51.100.1:5555"], "198.51.100.1"),
        ];
        for (peer, header, expect) in cases {
            assert_eq!(resolve(ip(peer), header.iter().copied(), &trusted), ip(expect), "{peer} {header:?}");
        }
        assert_eq!(resolve(ip("127.0.0.1"), ["198.51.100.1"], &TrustedProxies::default()), ip("127.0.0.1"));
    }
}
