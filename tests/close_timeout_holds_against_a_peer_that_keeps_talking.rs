//! After our Close, the peer has the close timeout to finish the closing
//! handshake, whatever it sends meanwhile: a peer that floods us with frames
//! instead of its Close is cut off when the time is up.
//! See `tutorial/08-hardening.md#dead-peers-and-closes-that-never-finish`.

mod support;

use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};
use support::*;
use wslab::config::Config;
use wslab::server::Server;

#[test]
fn a_peer_that_keeps_talking_after_our_close_is_cut_off_after_the_close_timeout() {
    capture_logs();
    let config = Config {
        close_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    // The handler returns at once, so the server closes with 1000.
    let server = Server::bind("127.0.0.1:0", config)
        .unwrap()
        .websocket("/bye", |_connection| {})
        .spawn()
        .unwrap();
    let mut client = open(server.addr(), "/bye");
    let close = read_frame(&mut client);
    assert_eq!(close.close_code(), Some(1000), "{close:?}");
    let client_addr = me(&client);

    // Pings, never a Close, in writes big enough that the server always has
    // bytes waiting; until a write fails, or for TIMEOUT at most.
    let mut flood = client.try_clone().unwrap();
    let flooder = thread::spawn(move || {
        let pings = client_frame(FIN | PING, b"still here").repeat(4096);
        let until = Instant::now() + TIMEOUT;
        while Instant::now() < until {
            if flood.write_all(&pings).is_err() {
                return true;
            }
        }
        false
    });
    assert!(
        flooder.join().unwrap(),
        "the server never cut off a peer that kept talking instead of closing"
    );
    assert_logged(
        client_addr,
        "the client did not finish the closing handshake within 300ms",
    );
    eventually("the connection is released", || server.active() == 0);
}
