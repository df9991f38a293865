// `dmabuf-map web` from the package as users install it: `npm pack`, unpacked into a
// temporary node_modules (offline: zod copied from ours), started from there, and the
// explorer loaded in Chromium must run the demo with no 404 and no console error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe.skipIf(!CHROMIUM)("dmabuf-map web from an installed tarball", () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dmabuf-pack-"));
    const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], { cwd: root, encoding: "utf8" });
    expect(pack.status, pack.stderr).toBe(0);
    const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
    const modules = join(dir, "app", "node_modules");
    mkdirSync(modules, { recursive: true });
    expect(spawnSync("tar", ["-xzf", join(dir, tgz), "-C", modules]).status).toBe(0);
    renameSync(join(modules, "package"), join(modules, "dmabuf-map"));
    cpSync(join(root, "node_modules", "zod"), join(modules, "zod"), { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the bundled explorer, which runs the demo and a shipped scenario", async () => {
    const app = join(dir, "app");
    server = spawn(process.execPath, [join(app, "node_modules", "dmabuf-map", "dist", "ts", "cli", "main.js"), "web", "--port", "0"], {
      cwd: app,
      stdio: ["ignore", "ignore", "pipe"],
    });
    const url = await new Promise<string>((ok, fail) => {
      let err = "";
      server!.stderr!.on("data", (d) => {
        err += d;
        const m = /explorer: (http:\/\/\S+\/)/.exec(err);
        if (m) ok(m[1]!);
      });
      server!.on("exit", (code) => fail(new Error(`dmabuf-map web exited ${code}: ${err}`)));
    });
    browser = await chromium.launch({ executablePath: CHROMIUM!, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 300_000 });
    expect(await page.textContent("#summary")).toMatch(/^PASSED demo/);
    await page.selectOption("#pick", "vf-bar-to-pf-iov.json");
    await page.waitForFunction(() => document.getElementById("summary")!.textContent!.includes("vf-bar-to-pf-iov"));
    expect(await page.textContent("#summary")).toMatch(/^PASSED/);
    expect(problems).toEqual([]);
  });
});
