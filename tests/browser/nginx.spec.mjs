// Chapter 10's end-to-end test: Debian's chromium loads the chat page over
// https from Debian's nginx, which runs deploy/nginx.conf (only its two ports
// changed) with a certificate openssl makes for this run, in front of the main
// server started with --trust-proxy. Two tabs chat over wss; a wss echo and
// two close codes pass through nginx both ways; the server's log names the
// client from X-Forwarded-For. See tutorial/10-going-live.md#run-it.
//
// Run it with `make browser-test`, which builds the server first. By hand:
//   cargo build --bin wslab && (cd tests/browser && npm ci && node nginx.spec.mjs)
// Environment: WSLAB_BIN, CHROMIUM (default /usr/bin/chromium), NGINX
// (default /usr/sbin/nginx), OPENSSL (default /usr/bin/openssl), CI.

import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import {
  CHROMIUM, FLAGS, SERVER, WAIT, allPassed, cleanUpOnExit, here, ok, requirePrograms, say,
  shows, stateIs,
} from "./common.mjs";

const NGINX = process.env.NGINX || "/usr/sbin/nginx";
const OPENSSL = process.env.OPENSSL || "/usr/bin/openssl";
const CONFIG = here("../../deploy/nginx.conf");

requirePrograms([[CHROMIUM, "chromium"], [NGINX, "nginx"], [OPENSSL, "openssl"]]);

// Everything nginx writes goes here, and goes away with it. The directory is
// world-readable because nginx started as root runs its worker as nobody.
const dir = mkdtempSync(join(tmpdir(), "wslab-nginx-"));
chmodSync(dir, 0o755);

// The processes we started die with us, however we end. nginx gets a process
// group of its own, so that its workers die with its master.
const children = new Set();
cleanUpOnExit(() => {
  for (const { child, group } of children) {
    try { group ? process.kill(-child.pid, "SIGKILL") : child.kill("SIGKILL"); } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

/// Starts `program` with its stderr kept in `.log`; `group` gives it a process group.
function start(program, args, { group = false, env = process.env } = {}) {
  const child = spawn(program, args, { env, detached: group, stdio: ["ignore", "pipe", "pipe"] });
  const entry = { child, group, log: "" };
  children.add(entry);
  child.stdout.on("data", (chunk) => { entry.log += chunk; });
  child.stderr.on("data", (chunk) => { entry.log += chunk; });
  entry.exited = new Promise((resolve) => child.on("exit", (code, signal) => {
    children.delete(entry);
    resolve(code ?? signal);
  }));
  return entry;
}

/// Waits until `test()` is true of the program's log; fails if it exits first.
async function untilLogged(entry, what, test) {
  const deadline = Date.now() + WAIT;
  let exited = null;
  entry.exited.then((how) => { exited = how; });
  while (!test(entry.log)) {
    if (exited !== null) throw new Error(`exited (${exited}) before ${what}:\n${entry.log}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT} ms:\n${entry.log}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/// A loopback port that was free a moment ago.
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/// deploy/nginx.conf with its two ports replaced; each must occur exactly once.
function configFor(httpsPort, wslabPort) {
  let text = readFileSync(CONFIG, "utf8");
  for (const [from, to] of [
    ["listen 127.0.0.1:8443 ssl;", `listen 127.0.0.1:${httpsPort} ssl;`],
    ["server 127.0.0.1:8080;", `server 127.0.0.1:${wslabPort};`],
  ]) {
    assert.equal(text.split(from).length, 2, `deploy/nginx.conf must have "${from}" once`);
    text = text.replace(from, to);
  }
  return text;
}


// The certificate, as chapter 10 makes it.
execFileSync(OPENSSL, [
  "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
  "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
], { stdio: ["ignore", "ignore", "pipe"] });
ok("openssl made a self-signed certificate");

const server = start(SERVER, ["--addr", "127.0.0.1:0", "--trust-proxy"], {
  env: { ...process.env, RUST_LOG: "info", RUST_LOG_STYLE: "never" },
});
await untilLogged(server, "listening on", (log) => /listening on 127\.0\.0\.1:\d+/.test(log));
const wslabPort = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(server.log)[1]);

const httpsPort = await freePort();
writeFileSync(join(dir, "nginx.conf"), configFor(httpsPort, wslabPort));
const nginx = start(NGINX, ["-p", dir, "-c", "nginx.conf", "-e", "stderr", "-g", "daemon off;"], { group: true });
await untilLogged(nginx, "a worker process", (log) => log.includes("start worker process"));
ok(`nginx runs deploy/nginx.conf on https://127.0.0.1:${httpsPort}/ in front of wslab on ${wslabPort}`);

const origin = `https://127.0.0.1:${httpsPort}`;
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
try {
  // The certificate is our own, so this browser context is told to accept it.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const errors = [];
  const tab = async () => {
    const page = await context.newPage();
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${origin}/`);
    await stateIs(page, "open");
    return page;
  };
  const a = await tab();
  const b = await tab();
  assert.equal(await a.evaluate(() => url), `wss://127.0.0.1:${httpsPort}/chat`);
  ok("the page, loaded over https, connects to wss:// on the same host");

  await shows(a, "#members", "2 members");
  await say(a, "hello through nginx");
  await shows(b, "#messages li", "guest-1hello through nginx");
  await say(b, "and back");
  await shows(a, "#messages li", "guest-2and back");
  ok("two tabs chat over wss through nginx");

  const echo = await a.evaluate((wsUrl) => new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    const got = {};
    ws.onopen = () => ws.send("echo over TLS, 你好");
    ws.onmessage = (event) => { got.echo = event.data; ws.close(4001, "done"); };
    ws.onclose = (event) => resolve({ ...got, code: event.code, reason: event.reason });
    ws.onerror = () => reject(new Error("WebSocket error"));
  }), `wss://127.0.0.1:${httpsPort}/echo`);
  assert.deepEqual(echo, { echo: "echo over TLS, 你好", code: 4001, reason: "" });
  ok("a wss echo, then our Close 4001 comes back as the server's answer");

  const tooBig = await a.evaluate((wsUrl) => new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    ws.onopen = () => ws.send("x".repeat(5000));
    ws.onclose = (event) => resolve({ code: event.code, reason: event.reason });
    ws.onerror = () => {};
    setTimeout(() => reject(new Error("no close")), 10_000);
  }), `wss://127.0.0.1:${httpsPort}/chat`);
  assert.deepEqual(tooBig, { code: 1009, reason: "frame of 5000 bytes; the limit is 4096" });
  ok("the server's Close 1009, with its reason, reaches the browser through nginx");

  await untilLogged(server, "the close of 4001", (log) => log.includes("closed by the client: 4001"));
  const lines = server.log.split("\n").filter((line) => /→ (101|200)/.test(line));
  assert.ok(lines.length >= 5, `a page, two chats, an echo and a chat:\n${server.log}`);
  for (const line of lines) {
    assert.match(line, /\] 127\.0\.0\.1 via 127\.0\.0\.1:\d+: GET \/(chat|echo)? → /, line);
  }
  ok("the server logs each client as X-Forwarded-For names it, via nginx's socket");

  assert.deepEqual(errors, [], "no JavaScript errors on the pages");
  ok("no JavaScript errors");
} finally {
  await browser.close();
  for (const entry of [nginx, server]) {
    if (!children.has(entry)) continue;
    if (entry.group) process.kill(-entry.child.pid, "SIGTERM");
    else entry.child.kill("SIGKILL");
    await Promise.race([entry.exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }
}
allPassed();
