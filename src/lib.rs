//! # wslab: a teaching WebSocket server
//!
//! The crate is read beside the tutorial in `tutorial/`. Each module belongs to
//! one chapter:
//!
//! | chapter | module | what it holds |
//! |---|---|---|
//! | 1–3 | [`reverse`] | the line-reversing service of the first three steps |
//! | all | [`cli`] | flags and logging for the examples and the main server |

pub mod cli;
pub mod reverse;
