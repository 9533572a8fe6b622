//! The exercises as a student first sees them: every body a `todo!()`.
//! `make lab N` copies `stubs/chN.rs` to `work/chN.rs`, where the student
//! writes.
// A stub mentions what its body will need, and does not need it yet.
#![allow(unused_imports, unused_variables, clippy::ptr_arg)]

#[path = "../stubs/ch1.rs"]
pub mod ch1;
#[path = "../stubs/ch11.rs"]
pub mod ch11;
#[path = "../stubs/ch2.rs"]
pub mod ch2;
#[path = "../stubs/ch3.rs"]
pub mod ch3;
#[path = "../stubs/ch4.rs"]
pub mod ch4;
#[path = "../stubs/ch5.rs"]
pub mod ch5;
#[path = "../stubs/ch6.rs"]
pub mod ch6;
#[path = "../stubs/ch7.rs"]
pub mod ch7;
