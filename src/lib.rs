//! # wslab: a teaching WebSocket server
//!
//! The crate is read beside the tutorial in `tutorial/`. Each module belongs to
//! one chapter:
//!
//! | chapter | module | what it holds |
//! |---|---|---|
//! | 1–3 | [`reverse`] | the line-reversing service of the first three steps |
//! | all | [`cli`] | flags and logging for the examples and the main server |

pub mod chat;
pub mod cli;
pub mod close;
pub mod config;
pub mod connection;
pub mod error;
pub mod frame;
pub mod handshake;
pub mod mask;
pub mod message;
pub mod reverse;
pub mod server;
pub mod trace;
pub mod utf8;
