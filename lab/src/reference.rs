//! The answers: thin wrappers over the library, which is the reference.

#[path = "../reference/ch1.rs"]
pub mod ch1;
#[path = "../reference/ch11.rs"]
pub mod ch11;
#[path = "../reference/ch2.rs"]
pub mod ch2;
#[path = "../reference/ch3.rs"]
pub mod ch3;
#[path = "../reference/ch4.rs"]
pub mod ch4;
#[path = "../reference/ch5.rs"]
pub mod ch5;
#[path = "../reference/ch6.rs"]
pub mod ch6;
#[path = "../reference/ch7.rs"]
pub mod ch7;
