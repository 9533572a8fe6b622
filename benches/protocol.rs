//! Micro-benchmarks of the protocol's inner loops, in bytes per second:
//! unmasking (naive vs word-at-a-time), frame header parsing, UTF-8
//! validation (ours vs std), and the receiver as a whole.
//! `cargo bench --bench protocol`; under `cargo test` each runs once, untimed.
//! See `tutorial/09-performance.md#micro-benchmarks`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use wslab::fast::FastReceiver;
use wslab::frame::Role;
use wslab::frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use wslab::mask::{apply_mask, apply_mask_naive};
use wslab::message::{Limits, Receiver};
use wslab::utf8::Utf8Validator;

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn mask(c: &mut Criterion) {
    let mut group = c.benchmark_group("mask");
    for len in [16, 1024, 64 * 1024] {
        let mut buf = vec![0x5au8; len];
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::new("naive", len), &len, |b, _| {
            b.iter(|| apply_mask_naive(black_box(&mut buf), KEY, 0))
        });
        group.bench_with_input(BenchmarkId::new("fast", len), &len, |b, _| {
            b.iter(|| apply_mask(black_box(&mut buf), KEY, 0))
        });
    }
    group.finish();
}

/// A client's frame header: masked, final.
fn header(opcode: OpCode, payload_len: usize) -> Vec<u8> {
    let header = FrameHeader {
        mask: Some(KEY),
        ..FrameHeader::server(opcode, payload_len)
    };
    let mut bytes = [0u8; MAX_HEADER_LEN];
    let len = header.encode(&mut bytes);
    bytes[..len].to_vec()
}

fn parse_header(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame_header");
    for (name, payload_len) in [("7-bit", 16), ("16-bit", 1000), ("64-bit", 1 << 20)] {
        let bytes = header(OpCode::Binary, payload_len);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("parse", name), |b| {
            b.iter(|| FrameHeader::parse(black_box(&bytes)))
        });
    }
    group.finish();
}

fn text(len: usize, ascii_only: bool) -> Vec<u8> {
    let pattern = if ascii_only {
        "The quick brown fox jumps over the lazy dog. "
    } else {
        "The quick brown fox jumps over the lazy dog. κόσμε 你好 🎉 "
    };
    let mut text: String = pattern.chars().cycle().take(len).collect();
    while text.len() > len {
        text.pop();
    }
    text.into_bytes()
}

fn utf8(c: &mut Criterion) {
    let mut group = c.benchmark_group("utf8");
    for (name, ascii_only) in [("ascii", true), ("mixed", false)] {
        let bytes = text(64 * 1024, ascii_only);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("std", name), |b| {
            b.iter(|| std::str::from_utf8(black_box(&bytes)).is_ok())
        });
        group.bench_function(BenchmarkId::new("validator_whole", name), |b| {
            b.iter(|| {
                let mut validator = Utf8Validator::with_capacity(bytes.len());
                validator.push(black_box(&bytes))?;
                validator.finish()
            })
        });
        // As the receiver feeds it: one 8 KiB read at a time.
        group.bench_function(BenchmarkId::new("validator_8k_pieces", name), |b| {
            b.iter(|| {
                let mut validator = Utf8Validator::with_capacity(bytes.len());
                for piece in black_box(&bytes).chunks(8192) {
                    validator.push(piece)?;
                }
                validator.finish()
            })
        });
    }
    group.finish();
}

/// The receiver end to end: masked frames in, messages out, through an 8 KiB
/// buffer as the connection uses it.
fn receiver(c: &mut Criterion) {
    let mut group = c.benchmark_group("receiver");
    let limits = Limits {
        max_frame: 16 << 20,
        max_message: 16 << 20,
    };
    for (name, opcode, payload) in [
        ("binary_16B_x64", OpCode::Binary, vec![7u8; 16]),
        ("text_64KiB", OpCode::Text, text(64 * 1024, false)),
        ("binary_1MiB", OpCode::Binary, vec![7u8; 1 << 20]),
    ] {
        let count = if payload.len() == 16 { 64 } else { 1 };
        let mut wire = Vec::new();
        for _ in 0..count {
            wire.extend(header(opcode, payload.len()));
            let start = wire.len();
            wire.extend_from_slice(&payload);
            apply_mask(&mut wire[start..], KEY, 0);
        }
        group.throughput(Throughput::Bytes(wire.len() as u64));
        // Chapter 6's plain receiver, and chapter 9's fast one fed the way
        // the connection feeds it: 8 KiB reads into its own space.
        group.bench_function(format!("plain/{name}"), |b| {
            b.iter(|| {
                let mut receiver = Receiver::new(Role::Server, limits);
                receiver.receive_data(black_box(&wire));
                let received = std::iter::from_fn(|| receiver.next_received().unwrap()).count();
                assert_eq!(received, count);
            })
        });
        group.bench_function(format!("fast/{name}"), |b| {
            b.iter(|| {
                let mut receiver = FastReceiver::new(Role::Server, limits, 8 * 1024);
                let mut received = 0;
                for read in black_box(&wire).chunks(8 * 1024) {
                    let mut read = read;
                    while !read.is_empty() {
                        let space = receiver.space();
                        let n = space.len().min(read.len());
                        space[..n].copy_from_slice(&read[..n]);
                        receiver.filled(n);
                        read = &read[n..];
                        while receiver.next_received().unwrap().is_some() {
                            received += 1;
                        }
                    }
                }
                assert_eq!(received, count);
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Short runs: these loops take nanoseconds, and a whole run stays under a minute.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = mask, parse_header, utf8, receiver
}
criterion_main!(benches);
