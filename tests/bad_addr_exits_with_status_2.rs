//! Every program, the steps and the main server, refuses an `--addr` it cannot
//! use with exit status 2 (a command-line mistake) and a message that names
//! `--addr` and the value, instead of falling back to a default. The clients
//! of chapter 11 take a URL instead; `client_runs_as_a_filter` tests theirs.

mod common;

use common::book::files_under;
use common::{Launch, TIMEOUT};

#[test]
fn every_program_rejects_a_bad_addr() {
    let mut launches: Vec<Launch> = files_under("examples")
        .iter()
        .filter_map(|path| path.strip_prefix("examples/")?.strip_suffix(".rs"))
        // A file in a folder, such as step7/naive.rs, is a module of a program.
        .filter(|name| !name.contains('/'))
        .filter(|name| !["client", "autobahn_client"].contains(name))
        .map(Launch::example)
        .collect();
    assert!(launches.len() >= 3, "no examples found");
    launches.push(Launch::binary());

    for launch in launches {
        for bad in ["nowhere", "127.0.0.1:99999", "127.0.0.1"] {
            launch
                .clone()
                .args(&["--addr", bad])
                .run(TIMEOUT)
                .expect_failure(2, &format!("invalid value \"{bad}\" for --addr"));
        }
    }
}
