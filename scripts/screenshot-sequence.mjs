// The README's picture of the sequence diagram (docs/img/sequence.png), taken in headless
// Chromium from the SVG `dmabuf-map run --svg` writes, so the screenshot is what the
// explorer and the CLI draw. Needs `npm run build` and Chromium (CHROMIUM_PATH, else
// /usr/bin/chromium): node scripts/screenshot-sequence.mjs [SCENARIO] [OUT.png]
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { chromium } from "playwright-core";
import { init, parseScenarioText, runScenario } from "../dist/ts/index.js";
import { pictures } from "../dist/ts/render/pictures.js";

const [file = "scenarios/revoke-twice-device-reset.json", out = "docs/img/sequence.png"] = process.argv.slice(2);
const scenario = parseScenarioText(readFileSync(file, "utf8"));
const { output } = runScenario(scenario, await init(), { entries: true, state: true });
const svg = pictures(scenario, output.steps).sequence;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
  mkdirSync(dirname(out), { recursive: true });
  await page.locator("svg").screenshot({ path: out });
  process.stderr.write(`${file}: the sequence diagram in ${out}\n`);
} finally {
  await browser.close();
}
