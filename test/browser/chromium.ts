// Finds Chromium for the browser tests: CHROMIUM_PATH, then /usr/bin/chromium.
import { existsSync } from "node:fs";

export function findChromium(): string | undefined {
  for (const p of [process.env.CHROMIUM_PATH, "/usr/bin/chromium"]) if (p && existsSync(p)) return p;
  return undefined;
}

export const CHROMIUM = findChromium();
export const IN_CI = process.env.CI === "true";

if (!CHROMIUM && !IN_CI) {
  const line = "=".repeat(78);
  console.warn(`\n${line}\n  BROWSER TESTS SKIPPED: no Chromium at $CHROMIUM_PATH or /usr/bin/chromium.\n  Install it (apt-get install -y chromium) or set CHROMIUM_PATH. Under CI=true they fail instead.\n${line}\n`);
}

/** Flags for headless Chromium on a closed network, as root. */
export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
];
