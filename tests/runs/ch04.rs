//! Chapter 4, the opening handshake: step4 upgrades a Firefox-like request
//! sent with `printf` and `nc`, refuses one that asks for version 8, and
//! upgrades a handshake typed into `nc`. Also the helpers of the later
//! chapters: frames masked with the RFC's key, so the dumps never change, and
//! our client (chapter 11's) run as a reader runs it, with a random key
//! hidden in the dumps.

use super::{NC, STEP_ADDR};
use crate::common::{Client, Launch, Ports, Running, Transcript, TIMEOUT};

/// The log filter that turns on chapter 5's frame dumps.
pub const TRACE: &str = "info,wslab::trace=trace";

/// The masking key of RFC 6455 §5.7's examples.
pub const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The first byte of a Close frame (FIN | opcode).
const CLOSE: u8 = 0x88;

/// A client frame with a payload of at most 125 bytes, masked with [`KEY`].
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() <= 125, "the 7-bit length form only");
    let mut frame = vec![first, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&KEY);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ KEY[i % 4]));
    frame
}

/// Starts `example` with `args` and the log filter `filter` (shown, since the
/// tests set `RUST_LOG` for every program), and the ports to show for it.
pub fn start(example: &str, args: &[&str], filter: &str) -> (Running, Ports) {
    let server = Launch::example(example)
        .args(args)
        .env("RUST_LOG", filter)
        .start();
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);
    (server, ports)
}

/// How a reader starts our client (chapter 11's) against a step server at `path`.
pub const CLIENT: &str = "cargo run -q --example client -- ws://127.0.0.1:7878";

/// `input` as a reader types it for `printf '...'`: each line end as `\n`.
fn printf(input: &str) -> String {
    assert!(!input.contains(['\'', '\\', '%']), "plain printf input");
    format!("printf '{}'", input.replace('\n', "\\n"))
}

/// Our client, `printf 'INPUT' | cargo run -q --example client -- URL`: it
/// sends each line (or command), and closes with 1000 at the end of its
/// input. The transcript of the reader's second terminal: its command, the
/// client's stderr, then what it printed.
pub fn client_piped(server: &Running, path: &str, input: &str) -> Transcript {
    let finished = Launch::example("client")
        .args(&[&format!("ws://{}{path}", server.addr)])
        .env("RUST_LOG", "warn")
        .input(input.as_bytes())
        .run(TIMEOUT);
    assert!(finished.status.success(), "{}", finished.output());
    let mut transcript = Transcript::new();
    transcript
        .command(&format!("{} | {CLIENT}{path}", printf(input)))
        .lines(&finished.stderr)
        .lines(&finished.stdout);
    transcript
}

/// Like [`client_piped`], but the input stays open (`sleep` holds the pipe)
/// so that the server has the last word: the client answers the server's
/// Close and exits with its report, instead of closing first at the end of
/// its input. Also `echo $?`, the exit status.
pub fn client_until_the_server_closes(server: &Running, path: &str, input: &str) -> Transcript {
    let mut running = Launch::example("client")
        .args(&[&format!("ws://{}{path}", server.addr)])
        .env("RUST_LOG", "warn")
        .with_stdin()
        .start_client();
    running.write_stdin(input.as_bytes());
    let status = running
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("the server did not close\n{}", running.output()));
    let mut transcript = Transcript::new();
    transcript
        .command(&format!("({}; sleep 1) | {CLIENT}{path}", printf(input)))
        .lines(&running.logs())
        .lines(&running.stdout())
        .command("echo $?")
        .text(&status.code().expect("an exit status").to_string());
    transcript
}

/// Our client masks each frame with a key it picks at random (§5.3), so a
/// server's frame dump shows that key as `?? ?? ?? ??`: at the end of the
/// header's bytes and after `key=`. The RFC's key, which `/raw` frames use,
/// is shown as it is.
pub fn hide_random_keys(log: &str) -> String {
    let rfc = "37 fa 21 3d";
    let hidden = "?? ?? ?? ??";
    let mut lines: Vec<String> = log.lines().map(str::to_string).collect();
    for i in 0..lines.len() {
        let Some((before, key)) = lines[i].rsplit_once(" key=") else {
            continue;
        };
        if key == rfc {
            continue;
        }
        let key = key.to_string();
        lines[i] = format!("{before} key={hidden}");
        if i > 0 && lines[i - 1].contains("received frame header") {
            if let Some(header) = lines[i - 1].strip_suffix(key.as_str()) {
                lines[i - 1] = format!("{header}{hidden}");
            }
        }
    }
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// A handshake request with the RFC's key (§1.3), as a reader would type it.
pub fn request(path: &str, connection: &str, key_header: &str, version: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {STEP_ADDR}\r\nUpgrade: websocket\r\n\
         Connection: {connection}\r\n{key_header}: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: {version}\r\n\r\n"
    )
}

/// The RFC's handshake request as a reader types it into `nc`: each line
/// ends with a bare LF.
pub fn typed_request(path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\nHost: {STEP_ADDR}\nUpgrade: websocket\nConnection: Upgrade\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n"
    )
}

/// Reads a response head, through its blank line.
pub fn read_head(client: &mut Client) -> String {
    let mut head = String::new();
    loop {
        let line = client.read_line();
        head.push_str(&line);
        if line == "\r\n" {
            return head;
        }
    }
}

/// `bytes` for `printf '...'`, each byte as `\xHH`: a frame as its dump shows it.
fn printf_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("\\x{byte:02x}")).collect()
}

/// step4 logs both heads: a Firefox-like request with a lower-case header
/// name, sent with `printf` and `nc`, is upgraded. After it come the bytes a
/// browser sends for `ws.send("Hello")` and `ws.close()` (masked with the
/// RFC's key), a second apart so that step4 reads them apart, and `nc -N`
/// ends the connection at the end of its input. Version 8 gets 426.
pub fn handshake_and_refusal() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step4", &[], "info");

    let head = typed_request("/")
        .replace("Connection: Upgrade", "Connection: keep-alive, Upgrade")
        .replace("Sec-WebSocket-Key", "sec-websocket-key");
    let hello = masked(0x81, b"Hello");
    let close = masked(CLOSE, &1000u16.to_be_bytes());
    let mut client = Client::connect(server.addr);
    ports.client(client.local_addr());
    client.send(&[head.as_bytes(), &hello].concat());
    server.expect_log("11 bytes: 81 85 37 fa 21 3d 7f 9f 4d 51 58");
    client.send(&close);
    server.expect_log("8 bytes: 88 82 37 fa 21 3d 34 12");
    client.shutdown_write();
    let upgraded = client.read_all();
    assert!(
        upgraded.starts_with("HTTP/1.1 101 Switching Protocols\r\n")
            && upgraded.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{upgraded}"
    );
    server.expect_log("closed the connection");
    let first = format!(
        "(printf '{}{}'; sleep 1; printf '{}') | {}",
        head.replace('\n', "\\n"),
        printf_hex(&hello),
        printf_hex(&close),
        NC.replacen("nc", "nc -N", 1)
    );
    let version_8 = request("/", "Upgrade", "Sec-WebSocket-Key", "8");
    let mut refused = Client::connect(server.addr);
    ports.client(refused.local_addr());
    refused.send(version_8.as_bytes());
    let answer = refused.read_all();
    assert!(
        answer.starts_with("HTTP/1.1 426 Upgrade Required\r\n")
            && answer.contains("\r\nSec-WebSocket-Version: 13\r\n"),
        "{answer}"
    );
    server.expect_log("426 Upgrade Required");

    let printf = format!("printf '{}' | {NC}", version_8.replace("\r\n", "\\r\\n"));
    vec![
        (
            "step4-first-client",
            Transcript::new()
                .command(&first)
                .text(&upgraded)
                .render(&mut ports),
        ),
        (
            "step4-handshake",
            Transcript::server(&server).render(&mut ports),
        ),
        (
            "step4-version-8",
            Transcript::new()
                .command(&printf)
                .text(&answer)
                .render(&mut ports),
        ),
    ]
}

/// A handshake typed into `nc`, which ends every line with a bare LF, as
/// RFC 9112 §2.2 allows: step4 answers 101 once the empty line is typed. Then
/// a line of text, which step4 shows as the bytes nc sent: no frame at all.
pub fn typed_into_nc() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step4", &[], "info");
    let typed = typed_request("/");
    let mut client = Client::connect(server.addr);
    ports.client(client.local_addr());
    client.send(typed.as_bytes());
    let answer = read_head(&mut client);
    assert_eq!(
        answer,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    );
    client.send(b"Hello\n");
    server.expect_log("6 bytes: 48 65 6c 6c 6f 0a");
    let log = server.logs();
    let bytes = log.last().expect("the bytes line");
    vec![
        (
            "step4-nc",
            Transcript::new()
                .command(NC)
                .text(&typed)
                .text(&answer)
                .text("Hello")
                .render(&mut ports),
        ),
        (
            "step4-nc-log",
            Transcript::new().lines(&[bytes]).render(&mut ports),
        ),
    ]
}

/// Our client, introduced: one line, then the end of its input, which
/// closes. step4 shows both frames as bytes and answers neither; the client
/// gives up on its Close after the close timeout. Its random key and the
/// bytes it masks change on every run, so the log shows them as `??`.
pub fn bytes_from_our_client() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step4", &[], "info");
    let mut running = Launch::example("client")
        .args(&[&format!("ws://{}/", server.addr)])
        .env("RUST_LOG", "warn")
        .with_stdin()
        .start_client();
    running.write_stdin(b"Hello\n");
    server.expect_log(": 11 bytes: 81 85 ");
    running.close_stdin();
    server.expect_log(": 8 bytes: 88 82 ");
    let status = running
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("the client did not give up\n{}", running.output()));
    assert!(status.success(), "{}", running.output());
    server.expect_log("closed the connection");
    let mut client = Transcript::new();
    client
        .command(&format!("(printf 'Hello\\n'; sleep 1) | {CLIENT}/"))
        .lines(&running.logs())
        .lines(&running.stdout());
    vec![
        ("step4-client", client.render(&mut ports)),
        (
            "step4-client-log",
            hide_random_bytes(&Transcript::server(&server).render(&mut ports)),
        ),
    ]
}

/// Our client's handshake key, and so the accept value, is random, and so is
/// each frame's masking key, which also changes the payload's bytes: show
/// them as `??`. The first two bytes of a frame are not masked.
pub fn hide_random_bytes(log: &str) -> String {
    let mut out = String::new();
    for line in log.lines() {
        let line = if let Some((name, _)) = line.split_once("Sec-WebSocket-Key: ") {
            format!("{name}Sec-WebSocket-Key: ????????????????????????")
        } else if let Some((name, _)) = line.split_once("Sec-WebSocket-Accept: ") {
            format!("{name}Sec-WebSocket-Accept: ????????????????????????????")
        } else if let Some((before, bytes)) = line.split_once(" bytes: ") {
            let shown: Vec<&str> = bytes
                .split(' ')
                .enumerate()
                .map(|(i, byte)| if i < 2 { byte } else { "??" })
                .collect();
            format!("{before} bytes: {}", shown.join(" "))
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}
