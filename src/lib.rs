//! # wslab: a teaching WebSocket server
//!
//! wslab walks from a bare TCP socket to a hardened chat server, one chapter at
//! a time, and is correct by RFC 6455 at every step. The crate is read beside
//! the tutorial in `tutorial/`; each module belongs to one chapter, and each
//! chapter's program is `examples/stepN.rs`.
//!
//! | chapter | module | what it holds |
//! |---|---|---|
//! | 1–3 | [`reverse`] | the line-reversing service of the first three steps |
//! | 4 | [`handshake`] | reading and checking the HTTP upgrade request; the 101 and the errors |
//! | 5 | [`frame`] | the frame header: parse ("need more bytes" or a named error) and encode; the [`frame::Role`] that decides who masks |
//! | 5 | [`mask`] | unmasking: the byte loop, and the fast version checked against it |
//! | 5 | [`trace`] | annotated frame dumps for the classroom |
//! | 6 | [`message`] | the plain sans-I/O receiver: frames to messages, every rule of §5; the memory budget (8) |
//! | 6 | [`protocol`] | the whole protocol, sans I/O, for either role: events in, bytes out, and the closing state machine |
//! | 6 | [`utf8`] | UTF-8 validated as it arrives, failing fast |
//! | 6 | [`close`] | close codes and the Close frame's payload |
//! | 6 | [`error`] | every protocol error, named after its rule, and its close code |
//! | 6 | [`connection`] | the thin driver of a [`protocol::Protocol`] over one blocking socket, and the handle other threads send through |
//! | 7 | [`chat`] | the chat room: members, announcements, the broadcast, and when a member is dropped |
//! | 7 | `chat::outbox` (private) | a member's bounded queue and the writer thread that empties it |
//! | 7 | [`chat::json`] | the chat's messages: JSON written and read by hand |
//! | 8 | [`config`] | every limit and timeout, with its default and the reason for it |
//! | 8 | [`server`] | the accept loop, a thread per connection, routes, the connection cap, shutdown |
//! | 8 | [`threads`] | how many threads the kernel's map limit leaves room for; a spawn that refuses the one too many |
//! | 9 | [`fast`] | the receiver the server runs: the same answers as [`message`]'s, with fewer copies |
//! | 10 | [`forwarded`], [`connection::Peer`] | the client's address behind a reverse proxy, with `--trust-proxy` |
//! | 11 | [`client`] | the client's side of the handshake, and `connect`: the same connection in the client role |
//! | all | [`cli`] | flags and logging for the examples and the main server |
//!
//! Only [`server`], [`client`] and [`connection`] own sockets; the chat
//! room's writer threads write through a [`connection::Handle`]. Everything
//! else works on byte slices, so every rule, closing and pings included, can
//! be tested without a network.

pub mod chat;
pub mod cli;
pub mod client;
pub mod close;
pub mod config;
pub mod connection;
pub mod error;
pub mod fast;
pub mod forwarded;
pub mod frame;
pub mod handshake;
pub mod mask;
pub mod message;
pub mod protocol;
pub mod reverse;
pub mod server;
pub mod threads;
pub mod trace;
pub mod utf8;
