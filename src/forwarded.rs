//! Chapter 10: who the client is behind a reverse proxy. The proxy opens
//! the TCP connection itself, so every socket's peer is the proxy; the
//! client's address comes in the proxy's `X-Forwarded-For` header, which we
//! believe only when told to (`--trust-proxy`). This is about logging and
//! addresses, not about the WebSocket handshake, so it has a module of its own.
//! See `tutorial/10-going-live.md#who-is-the-client`.

use crate::connection::Peer;
use crate::handshake::Request;
use std::fmt;
use std::net::{IpAddr, SocketAddr};

// ANCHOR: forwarded_for
/// The client's address as a reverse proxy reported it: the last entry of
/// `X-Forwarded-For`. A proxy appends the address it got the request from to
/// whatever the header already said, so only the last entry was written by
/// the proxy in front of us; the ones before it came from the client, who can
/// write anything. `Ok(None)` when there is no such header.
pub fn forwarded_for(request: &Request) -> Result<Option<IpAddr>, BadForwardedFor> {
    let Some(value) = request.header_values("X-Forwarded-For").last() else {
        return Ok(None);
    };
    let last = value.rsplit(',').next().unwrap_or_default().trim();
    last.parse::<IpAddr>()
        .or_else(|_| last.parse::<SocketAddr>().map(|addr| addr.ip()))
        .map(Some)
        .map_err(|_| BadForwardedFor(value.into()))
}
// ANCHOR_END: forwarded_for

/// An `X-Forwarded-For` whose last entry is not an IP address (with or without a port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadForwardedFor(pub String);

impl fmt::Display for BadForwardedFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "X-Forwarded-For {:?} does not end with an IP address",
            self.0
        )
    }
}

// ANCHOR: client
/// Who the log says the client is. Behind a proxy every socket's peer is the
/// proxy; with `--trust-proxy` the proxy's `X-Forwarded-For` names the client.
/// Without it the header is ignored, because anyone can send one.
pub fn client(request: &Request, addr: SocketAddr, trust_proxy: bool) -> Peer {
    if !trust_proxy {
        return addr.into();
    }
    match forwarded_for(request) {
        Ok(forwarded_for) => Peer {
            addr,
            forwarded_for,
        },
        Err(bad) => {
            log::warn!("{addr}: ignoring {bad}");
            addr.into()
        }
    }
}
// ANCHOR_END: client

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> Result<Option<IpAddr>, BadForwardedFor> {
        let mut head = String::from("GET / HTTP/1.1\r\nHost: x\r\n");
        for value in values {
            head += &format!("X-Forwarded-For: {value}\r\n");
        }
        forwarded_for(&Request::parse(format!("{head}\r\n").as_bytes(), 64).unwrap())
    }

    #[test]
    fn forwarded_for_takes_the_last_entry() {
        let ip = |s: &str| Ok(Some(s.parse::<IpAddr>().unwrap()));
        assert_eq!(forwarded(&[]), Ok(None));
        assert_eq!(forwarded(&["203.0.113.7"]), ip("203.0.113.7"));
        assert_eq!(
            forwarded(&["10.0.0.1, 198.51.100.2,203.0.113.7"]),
            ip("203.0.113.7")
        );
        assert_eq!(forwarded(&["10.0.0.1", "2001:db8::7"]), ip("2001:db8::7"));
        assert_eq!(forwarded(&["203.0.113.7:41000"]), ip("203.0.113.7"));
        assert_eq!(forwarded(&["[2001:db8::7]:41000"]), ip("2001:db8::7"));
        for bad in [
            "unknown",
            "203.0.113.7, ",
            "203.0.113.7, nonsense",
            "",
            "1.2.3",
        ] {
            assert_eq!(
                forwarded(&[bad]),
                Err(BadForwardedFor(bad.trim().into())),
                "{bad:?}"
            );
        }
    }
}
