// Chapter 7's real-browser test: Debian's chromium, headless, driven by
// playwright-core (never a downloaded browser) against the main server's
// chat page. Two tabs chat; markup stays text; the connection state is shown,
// including after the server dies and comes back. It saves a screenshot. And
// the tutorial's pictures (tutorial/img/*.svg) decode in a real browser.
// See tutorial/07-the-chat-room.md#run-it.
//
// Run it with `make browser-test`, which builds the server first. By hand:
//   cargo build --bin wslab && (cd tests/browser && npm ci && node chat.spec.mjs)
// Environment: WSLAB_BIN (the server binary), CHROMIUM (default
// /usr/bin/chromium), SCREENSHOT (default target/browser/chat.png), CI.

import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import assert from "node:assert/strict";
import {
  CHROMIUM, FLAGS, SERVER, WAIT, allPassed, cleanUpOnExit, here, ok, requirePrograms, say,
  shows, stateIs,
} from "./common.mjs";

const SCREENSHOT = process.env.SCREENSHOT || here("../../target/browser/chat.png");
const PICTURES = here("../../tutorial/img");

requirePrograms([[CHROMIUM, "chromium"]]);

// Servers we started die with us, however we end.
const servers = new Set();
cleanUpOnExit(() => { for (const child of servers) child.kill("SIGKILL"); });

/// Starts the main server on `port` (0: any free port) and resolves to its port
/// once it logs "listening on".
function startServer(port) {
  const child = spawn(SERVER, ["--addr", `127.0.0.1:${port}`], {
    env: { ...process.env, RUST_LOG: "info" },
    stdio: ["pipe", "ignore", "pipe"],
  });
  servers.add(child);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  exited.then(() => servers.delete(child));
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), WAIT);
    child.stderr.on("data", (chunk) => {
      log += chunk;
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (match) { clearTimeout(timer); resolve({ child, exited, port: Number(match[1]) }); }
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}):\n${log}`)));
  });
}

function stopServer({ child, exited }) {
  child.kill("SIGKILL");
  return exited;
}


const server = await startServer(0);
const url = `http://127.0.0.1:${server.port}/`;
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
let restarted = null;
try {
  const context = await browser.newContext();
  const dialogs = [];
  const errors = [];
  const tab = async (viewport) => {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    page.on("dialog", (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(url);
    return page;
  };

  // Two tabs: a laptop-sized one, and a phone-sized one.
  const a = await tab({ width: 900, height: 700 });
  await stateIs(a, "open");
  await shows(a, "#state", "as guest-1");
  const b = await tab({ width: 390, height: 760 });
  await stateIs(b, "open");
  await shows(b, "#state", "as guest-2");
  await shows(a, "#members", "2 members");
  await shows(a, "#messages .notice", "guest-2 joined.");
  ok("two tabs connect; each shows its state, its name and the member count");

  await a.fill("#name", "ana");
  await a.press("#name", "Enter");
  await shows(b, "#messages .notice", "guest-1 is now ana.");
  await shows(a, "#state", "as ana");
  ok("a rename is announced to the other tab");

  await say(a, "hello from ana");
  await shows(b, "#messages li", "anahello from ana");
  await shows(a, "#messages li.mine", "ana (you)hello from ana");
  await say(b, "你好 😀 \"quotes\" and \\ backslash");
  await shows(a, "#messages li", "guest-2你好 😀 \"quotes\" and \\ backslash");
  ok("messages go both ways, marked with who sent them");

  const markup = "<img src=x onerror=alert(1)><script>window.pwned=1</script><b>bold?</b>";
  await say(b, markup);
  for (const page of [a, b]) {
    await shows(page, "#messages .text", markup);
    const found = await page.evaluate(() => ({
      elements: document.querySelectorAll("#messages img, #messages script, #messages b").length,
      pwned: window.pwned,
      text: [...document.querySelectorAll("#messages .text")].map((e) => e.textContent),
    }));
    assert.equal(found.elements, 0, "markup from a peer must not become elements");
    assert.equal(found.pwned, undefined);
    assert.ok(found.text.includes(markup), "the markup is shown literally");
  }
  assert.deepEqual(dialogs, [], "no script from a message ran");
  ok("a markup message stays text: no <img>, no script, no alert");

  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await b.screenshot({ path: SCREENSHOT });
  ok(`screenshot saved to ${SCREENSHOT}`);

  await say(b, "a-long-word-".repeat(40));
  await shows(a, "#messages .text", "a-long-word-a-long-word-");
  const overflow = await b.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the phone-sized tab scrolls sideways by ${overflow}px`);
  ok("a phone-sized tab wraps long messages instead of scrolling sideways");

  // The server dies: both tabs say so, with the code, and keep trying.
  await stopServer(server);
  for (const page of [a, b]) {
    await stateIs(page, "closed");
    await shows(page, "#state", "closed (1006)");
    await shows(page, "#state", "reconnecting in");
  }
  ok("when the server dies, the tabs show closed (1006) and that they will retry");

  // ...and back off: each announced wait is longer than the one before (0.5 s,
  // doubling, with ±25 % jitter, so the next is always longer).
  const waits = [];
  const until = Date.now() + WAIT;
  while (waits.length < 3 && Date.now() < until) {
    const found = /reconnecting in ([\d.]+) s/.exec(await a.textContent("#state"));
    if (found && Number(found[1]) !== waits.at(-1)) waits.push(Number(found[1]));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(waits.length, 3, `three waits announced: ${waits}`);
  assert.ok(waits[0] < waits[1] && waits[1] < waits[2], `waits grow: ${waits}`);
  ok(`the retries back off: ${waits.join(" s, ")} s`);

  // It comes back on the same port: the tabs reconnect on their own, and ana
  // gets her name back.
  restarted = await startServer(server.port);
  for (const page of [a, b]) await stateIs(page, "open");
  await shows(a, "#state", "as ana");
  await shows(b, "#members", "2 members");
  await say(b, "back again");
  await shows(a, "#messages li", "back again");
  ok("after a restart the tabs reconnect by themselves and chat again");

  // The tutorial's pictures, as GitHub and mdBook show them: each in an <img>,
  // where it must decode at its own size and draw something.
  const pictures = readdirSync(PICTURES).filter((name) => name.endsWith(".svg")).sort();
  assert.ok(pictures.length > 0, `no pictures in ${PICTURES}`);
  const viewer = await context.newPage();
  for (const name of pictures) {
    const svg = readFileSync(`${PICTURES}/${name}`);
    const width = Number(/<svg[^>]*\swidth="(\d+)"/.exec(svg.toString())?.[1]);
    await viewer.setContent(`<img src="data:image/svg+xml;base64,${svg.toString("base64")}">`);
    const shown = await viewer.$eval("img", async (img) => {
      await img.decode();
      const canvas = Object.assign(document.createElement("canvas"), { width: img.naturalWidth, height: img.naturalHeight });
      const context = canvas.getContext("2d");
      context.drawImage(img, 0, 0);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] + pixels[i + 1] + pixels[i + 2] < 600) inked++;
      return { width: img.naturalWidth, height: img.naturalHeight, inked };
    }).catch((error) => { throw new Error(`${name} does not decode: ${error.message}`); });
    assert.equal(shown.width, width, `${name} is shown ${shown.width} px wide, not its width ${width}`);
    assert.ok(shown.height > 0 && shown.inked > 0, `${name} draws nothing: ${JSON.stringify(shown)}`);
  }
  await viewer.close();
  ok(`the tutorial's ${pictures.length} pictures decode in an <img> and draw`);

  assert.deepEqual(errors, [], "no JavaScript errors on the pages");
  ok("no JavaScript errors");
} finally {
  await browser.close();
  await stopServer(server);
  if (restarted) await stopServer(restarted);
}
allPassed();
