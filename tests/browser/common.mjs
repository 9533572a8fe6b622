// What the two browser tests share: the browser and its flags, what to do
// when a program they need is missing, and how they wait and report.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const here = (path) => fileURLToPath(new URL(path, import.meta.url));
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const SERVER = process.env.WSLAB_BIN || here("../../target/debug/wslab");
export const WAIT = 15_000; // ms for any one thing to happen
// The flags this machine's chromium needs: no sandbox as root, no GPU, and no
// background traffic, which the closed network would refuse.
export const FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/// Each of `programs` is a [path, Debian package] pair. A missing one fails
/// the test under CI=true and skips it otherwise; a missing server binary
/// always fails it.
export function requirePrograms(programs) {
  for (const [program, pkg] of programs) {
    if (existsSync(program)) continue;
    const why = `${pkg} not found at ${program} (apt-get install -y ${pkg})`;
    if (process.env.CI === "true") {
      console.error(`FAIL: ${why}`);
      process.exit(1);
    }
    console.log(`SKIP: ${why}; under CI=true this fails`);
    process.exit(0);
  }
  if (!existsSync(SERVER)) {
    console.error(`FAIL: no server binary at ${SERVER}: run cargo build --bin wslab first`);
    process.exit(1);
  }
}

/// Runs `cleanup` however the process ends, and ends it after two minutes.
export function cleanUpOnExit(cleanup) {
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => process.exit(1));
  setTimeout(() => { console.error("FAIL: the whole test took over 120 s"); process.exit(1); }, 120_000).unref();
}

let step = 0;
export function ok(what) { console.log(`ok ${++step} - ${what}`); }
export function allPassed() { console.log(`# all ${step} passed`); }

/// Waits until some element matching `selector` has text containing `text`.
export function shows(page, selector, text) {
  return page.waitForFunction(
    ([selector, text]) => [...document.querySelectorAll(selector)].some((e) => e.textContent.includes(text)),
    [selector, text],
    { timeout: WAIT },
  ).catch(async (error) => {
    const seen = await page.$$eval(selector, (es) => es.map((e) => e.textContent)).catch(() => []);
    throw new Error(`${selector} never showed ${JSON.stringify(text)}; it shows ${JSON.stringify(seen)}\n${error.message}`);
  });
}

/// Waits until the page's state line says `state` (connecting, open, closed).
export function stateIs(page, state) {
  return page.waitForSelector(`#state[data-state="${state}"]`, { timeout: WAIT });
}

/// Types `text` into the message box and presses Enter.
export async function say(page, text) {
  await page.fill("#input", text);
  await page.press("#input", "Enter");
}
