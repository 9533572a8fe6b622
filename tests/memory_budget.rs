//! Proves chapter 8's memory budget end to end: the bytes of unfinished
//! messages are counted for all connections together, a message that would go
//! over the budget is refused with Close 1013 (try again later) while the
//! others carry on, and the bytes come back once the message is finished and
//! its connection has asked for the next one.
//! See `tutorial/08-hardening.md#a-budget-for-all-messages-together`.

mod support;

use std::io::Write;
use support::*;
use wslab::config::Config;

const BUDGET: usize = 100_000;
/// What A holds while it stalls: more than half the budget.
const HELD: usize = 60_000;

#[test]
fn a_message_over_the_shared_budget_gets_1013_and_the_others_go_on() {
    capture_logs();
    let server = serve(Config {
        message_budget: BUDGET,
        ..Config::default()
    });
    let addr = server.addr();
    let message = pattern(HELD + 30_000);
    let (first, last) = message.split_at(HELD);

    // A sends the first fragment of its message, complete, then a Ping. The
    // Pong comes after the fragment has been read, so the server holds
    // HELD bytes for A before B connects.
    let mut a = open(addr, "/echo");
    a.write_all(&client_frame(BINARY, first)).unwrap();
    a.write_all(&client_frame(FIN | PING, b"counted?")).unwrap();
    let pong = read_frame(&mut a);
    assert_eq!((pong.opcode, &pong.payload[..]), (PONG, &b"counted?"[..]));

    // B's message is within every limit of its own, but together with A's
    // it would go over the budget.
    let mut b = open(addr, "/echo");
    b.write_all(&client_frame(FIN | BINARY, &pattern(HELD)))
        .unwrap();
    let close = read_frame(&mut b);
    assert_server_frame(&close);
    assert_eq!(close.close_code(), Some(1013), "{close:?}");
    let reason = String::from_utf8_lossy(&close.payload[2..]).into_owned();
    assert!(
        reason.contains(&format!("budget of {BUDGET} bytes")),
        "{reason:?}"
    );
    b.write_all(&client_frame(FIN | CLOSE, &close.payload[..2]))
        .unwrap();
    assert_eof(&mut b);
    // Our FIN, which the server waits for before it logs the ending and lets go.
    let b_addr = me(&b);
    drop(b);
    assert_logged(b_addr, "closing with 1013 (try again later)");
    // B's connection is over, and with it the bytes it had been given.
    eventually("B's connection has ended", || server.active() == 1);

    // A was never disturbed: it finishes its message and gets it back whole.
    a.write_all(&client_frame(FIN | CONTINUATION, last))
        .unwrap();
    let echo = read_frame(&mut a);
    assert_server_frame(&echo);
    assert_eq!((echo.fin, echo.opcode), (true, BINARY));
    assert!(echo.payload == message, "A's echo differs");

    // A's message is counted until A's thread asks for the next one, after the
    // echo is written; the Pong to another Ping shows that it has.
    a.write_all(&client_frame(FIN | PING, b"done?")).unwrap();
    let pong = read_frame(&mut a);
    assert_eq!((pong.opcode, &pong.payload[..]), (PONG, &b"done?"[..]));

    // A's finished message gave its bytes back: a message of B's size now fits.
    let mut again = open(addr, "/echo");
    assert_echoes(&mut again, BINARY, &pattern(HELD));
    for stream in [&mut a, &mut again] {
        stream
            .write_all(&client_frame(FIN | CLOSE, &close_body(1000, b"")))
            .unwrap();
        assert_closed_with(stream, Some(1000));
    }
}
