//! Chapter 11: the driver every Autobahn|Testsuite test client runs, on our
//! client. The suite's fuzzing server plays one case per connection: the
//! client reads the number of cases, connects to each in turn and echoes
//! every message back, then asks the suite to write its report.
//! Run by `make conformance-client`; see
//! `tutorial/11-the-other-end-again.md#conformance-the-client-against-the-suite`.

use std::process::exit;
use wslab::cli::{self, Flags};
use wslab::client::{connect, ClientError, Options};
use wslab::connection::echo;
use wslab::message::Message;

const ABOUT: &str = "Runs every case of an Autobahn|Testsuite fuzzing server at URL \
    (ws://HOST:PORT) against wslab's client, reported under the name AGENT.";

fn main() {
    let mut url = String::new();
    let mut agent = String::new();
    Flags::new("cargo run --example autobahn_client --", ABOUT)
        .operand("URL", &mut url)
        .operand("AGENT", &mut agent)
        .parse_env();
    cli::init_logging_with("warn");
    if let Err(error) = run(url.trim_end_matches('/'), &agent) {
        eprintln!("error: {error}");
        exit(1);
    }
}

// ANCHOR: run
fn run(url: &str, agent: &str) -> Result<(), ClientError> {
    let options = Options::default();
    let mut count = connect(&format!("{url}/getCaseCount"), &options)?;
    let cases: u32 = match count.recv() {
        Some(Message::Text(text)) => text.trim().parse().unwrap_or(0),
        _ => 0,
    };
    while count.recv().is_some() {}
    for case in 1..=cases {
        eprintln!("case {case} of {cases}");
        let connection = connect(
            &format!("{url}/runCase?case={case}&agent={agent}"),
            &options,
        )?;
        echo(connection);
    }
    let mut report = connect(&format!("{url}/updateReports?agent={agent}"), &options)?;
    while report.recv().is_some() {}
    Ok(())
}
// ANCHOR_END: run
