//! Step 8, the hardened server: the echo service of step 6 with every limit
//! and timeout of [`Config`] as a flag, so that each defence can be made to
//! fire by hand.
//! Read it with `tutorial/08-hardening.md#the-code`.
//!
//! Each setting given on the command line is logged at the start, beside its
//! default.
//!
//! Try it with tiny limits, then attack it with `nc` and a browser:
//! `cargo run --example step8 -- --max-connections 2 --handshake-timeout 2s --max-message 1KiB --max-head 512`

use std::net::SocketAddr;
use wslab::cli::{self, Flags};
use wslab::config::{Bytes, Config, Field, Time};
use wslab::connection::echo;
use wslab::server::Server;

const ABOUT: &str = "Echoes every message on ws://HOST:PORT/echo, within the limits below.";

fn main() {
    cli::init_logging();
    // ANCHOR: main
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    let mut config = Config::default();
    Flags::new("cargo run --example step8 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .config(&mut config)
        .parse_env();
    switched_on(&mut config);
    match Server::bind(addr, config) {
        Ok(server) => server.websocket("/echo", echo).run(),
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    }
    // ANCHOR_END: main
}

/// Logs each setting that differs from `Config::default()`: the defences
/// this run has set tighter (or looser) than the library's.
fn switched_on(config: &mut Config) {
    let mut defaults = Config::default();
    for (setting, default) in config.settings().iter().zip(defaults.settings().iter()) {
        let (value, default) = (show(&setting.field), show(&default.field));
        if value != default {
            log::info!(
                "--{} {value} (default {default}): {}",
                setting.name,
                setting.help
            );
        }
    }
}

fn show(field: &Field) -> String {
    match field {
        Field::Bytes(bytes) => Bytes(**bytes).to_string(),
        Field::Count(count) => count.to_string(),
        Field::Time(time) => Time(**time).to_string(),
        Field::List(list) => list.join(","),
        Field::Switch(on) => on.to_string(),
    }
}
