//! Writes `$OUT_DIR/student.rs`: one module per chapter. With `WSLAB_LAB=N`
//! (as `make lab N` sets it), chapter N comes from the student's
//! `work/chN.rs` if it exists; every other chapter, and every chapter without
//! `WSLAB_LAB`, comes from `stubs/chN.rs`. So an unfinished lab never stops
//! another from compiling, and `make test` never compiles `work/` at all.
//! `#[path]` keeps the real file names in compiler errors.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let only: Option<u32> = env::var("WSLAB_LAB")
        .ok()
        .and_then(|n| n.trim().parse().ok());
    println!("cargo::rerun-if-env-changed=WSLAB_LAB");
    let work = dir.join("work");
    // A directory is watched with everything in it: `work/` once it exists,
    // and until then the lab itself, to see `work/` appear.
    let watched = if work.is_dir() { &work } else { &dir };
    println!("cargo::rerun-if-changed={}", watched.display());

    let mut out = String::new();
    // The chapters that have a lab, as `CHAPTERS` in `src/lib.rs` lists them.
    for n in [1, 2, 3, 4, 5, 6, 7, 11] {
        let mine = work.join(format!("ch{n}.rs"));
        let from_work = only == Some(n) && mine.is_file();
        let file = if from_work {
            mine
        } else {
            dir.join(format!("stubs/ch{n}.rs"))
        };
        out.push_str(&format!(
            "/// Chapter {n}, as the lab runs it: `{}`.\n#[path = {:?}]\npub mod ch{n};\n",
            if from_work { "work" } else { "stubs" },
            file.display().to_string(),
        ));
        out.push_str(&format!(
            "/// Where chapter {n}'s code came from.\npub const CH{n}_SOURCE: &str = {:?};\n",
            if from_work { "work" } else { "stubs" }
        ));
    }
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    fs::write(out_dir.join("student.rs"), out).unwrap();
}
