// The CLI's run --entries / --state / --all, the readable report (address spaces, P2P
// paths, colours, escaped control characters) and `dmabuf-map web` (serving, busy port).
// The streamed --json of an amplifying scenario is in big.slow.test.ts.
import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";
import { runScenario } from "../../ts/scenario/runner.js";
import { runOutputSchema } from "../../ts/scenario/output-schema.js";
import { formatReport, printRun, ansi, escapeControls } from "../../ts/scenario/report.js";
import { core } from "../helpers.js";
import { SCENARIOS } from "./run-output.js";

const c = core();
const bin = fileURLToPath(new URL("../../dist/ts/cli/main.js", import.meta.url));
const scen = (f: string) => fileURLToPath(new URL(`../../scenarios/${f}`, import.meta.url));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: "utf8", maxBuffer: 1 << 28 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A system buffer of `n` separate pages mapped by an importer without IOMMU: n entries. */
const manyEntries = (n: number) => ({
  name: "many",
  devices: { cpu: {}, dev: {} },
  steps: [
    {
      op: "export",
      buffer: "b",
      exporter: "cpu",
      size: `0x${(n * 0x1000).toString(16)}`,
      backing: { kind: "system", ranges: Array.from({ length: n }, (_, i) => ({ addr: `0x${((i * 2 + 1) * 0x1000).toString(16)}`, len: "0x1000" })) },
    },
    { op: "attach", buffer: "b", importer: "dev", as: "a" },
    { op: "map", attachment: "a", as: "m" },
  ],
});

describe("dmabuf-map run --entries --state", () => {
  it.each(SCENARIOS.filter(([f]) => f !== "demo"))("%s: the CLI prints the API's record, valid against the run-output schema", (f, s) => {
    const r = cli(["run", scen(f), "--json", "--entries", "--state"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(JSON.stringify(runScenario(s, c, { entries: true, state: true }).output) + "\n");
    runOutputSchema.parse(JSON.parse(r.out));
  });

  it("demo takes the same flags; flags for the other format are usage errors", () => {
    const d = cli(["demo", "--json", "--state"]);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.out).steps[0].state.buffers).toHaveLength(1);
    for (const args of [
      ["run", scen("move-notify.json"), "--entries"],
      ["run", scen("move-notify.json"), "--state"],
      ["demo", "--json", "--all"],
    ]) {
      const r = cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/--(entries|state|all)/);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});

describe("the readable report", () => {
  it("names each map's address space and each attachment's importer and P2P path", () => {
    const iov = cli(["run", scen("vf-bar-to-pf-iov.json")]).out;
    expect(iov).toMatch(/attach +a0 +ok +interconnect iov, importer pf0, path BUS_ADDR\n/);
    expect(iov).toMatch(/map +m0 +ok +iov → ranges, bar-offset addresses: 2 entries/);
    const p2p = cli(["run", scen("p2p-gpu-sgt.json")]).out;
    expect(p2p).toMatch(/attach +g2 +ok +interconnect sgt, importer gpu2, path THRU_HOST_BRIDGE/);
    expect(p2p).toMatch(/attach +g3 +ok +interconnect sgt, importer gpu3, path NOT_SUPPORTED/);
    expect(p2p).toMatch(/map +bus +ok +sgt → sgt, bus addresses/);
    expect(p2p).toMatch(/map +iova +ok +sgt → sgt, iova addresses/);
    const pin = cli(["run", scen("static-importer-pin.json")]).out;
    expect(pin).toMatch(/attach +s +ok +interconnect sgt, importer dev, path none \(system memory\)/);
    expect(pin).toMatch(/map +m +ok +sgt → sgt, cpu-phys addresses/);
  });

  it("prints the first 4 entries, or every entry with --all", () => {
    const text = JSON.stringify(manyEntries(10));
    const short = cli(["run", "-"], text).out;
    expect(short).toMatch(/… 6 more \(--all prints every entry\)/);
    expect(short.match(/^ +0x[0-9a-f]+ \+0x1000$/gm)).toHaveLength(4);
    const all = cli(["run", "-", "--all"], text);
    expect(all.code).toBe(0);
    const lines = all.out.match(/^ +0x[0-9a-f]+ \+0x1000$/gm)!.map((l) => l.trim().split(" ")[0]);
    expect(lines).toEqual(Array.from({ length: 10 }, (_, i) => `0x${((i * 2 + 1) * 0x1000).toString(16)}`));
    expect(all.out).not.toMatch(/more/);
  });

  it.each(SCENARIOS)("%s: the streamed report is formatReport's text, with the --json traceHash", async (_, s) => {
    const parts: string[] = [];
    expect(
      await printRun(
        s,
        c,
        {},
        (x) => void parts.push(x),
        () => {},
      ),
    ).toBe(true);
    const report = runScenario(s, c, { previews: 4 });
    expect(parts.join("")).toBe(formatReport(s, report));
    expect(parts.join("")).toContain(`PASSED  traceHash ${report.output.traceHash}\n`);
  });

  it("colours ok, expected errors and unexpected errors differently", () => {
    const s = SCENARIOS.find(([f]) => f === "vf-bar-to-pf-iov.json")![1];
    const broken = { ...s, steps: s.steps.map((st, i) => (i === 4 ? { ...st, expect: undefined } : st)) };
    const lines = formatReport(broken, runScenario(broken, c, { previews: 4 }), ansi).split("\n");
    expect(lines.find((l) => l.includes(" export "))).toContain("\x1b[32mok\x1b[39m");
    expect(lines.find((l) => l.includes(" map ") && l.includes("ENODEV"))).toContain("\x1b[36mENODEV (expected)\x1b[39m");
    expect(lines.find((l) => l.includes(" unmap ") && l.includes("EOPNOTSUPP"))).toContain("\x1b[31mEOPNOTSUPP\x1b[39m");
  });

  it("escapes control characters in names, in the report and on stderr", () => {
    const evil = "\x1b[2J\r\bx\x07\u202e";
    const s = {
      name: `n${evil}`,
      devices: { cpu: {}, [`d${evil}`]: {} },
      steps: [
        {
          op: "export",
          buffer: `b${evil}`,
          exporter: "cpu",
          size: "0x1000",
          dynamic: true,
          backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] },
        },
        { op: "attach", buffer: `b${evil}`, importer: `d${evil}`, as: `a${evil}`, dynamic: true, expect: { error: "EBUSY" } },
        { op: "revoke", buffer: `b${evil}` },
      ],
    };
    for (const args of [
      ["run", "-"],
      ["run", "-", "--json"],
    ]) {
      const r = cli(args, JSON.stringify(s));
      expect(r.code).toBe(1);
      const human = args.includes("--json") ? r.err : r.out + r.err;
      expect(human).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u202e]/); // nothing but newlines
      expect(human).toContain("a\\e[2J\\r\\bx\\x07\\u202e");
    }
    expect(escapeControls("tab\there\nnl \x9b \u2028")).toBe("tab\\there\\nnl \\x9b \\u2028");
    expect(escapeControls("plain ünïcødé")).toBe("plain ünïcødé");
  });
});

describe("dmabuf-map web", () => {
  it("serves the bundled page and refuses paths outside its folders", async () => {
    const p = spawn(process.execPath, [bin, "web", "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let buf = "";
        p.stderr.on("data", (d) => {
          buf += d;
          const m = /explorer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(buf);
          if (m) ok(m[1]!);
        });
        p.on("exit", () => fail(new Error(`exited: ${buf}`)));
      });
      const get = (path: string) => fetch(new URL(path, url));
      const page = await get("/");
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("/dist/web/explorer.js");
      expect(html).not.toMatch(/importmap|node_modules/);
      expect((await get("/dist/web/explorer.js")).status).toBe(200);
      expect((await get("/scenarios/index.json")).status).toBe(200);
      for (const bad of ["/node_modules/zod/index.js", "/package.json", "/web/../package.json", "/dist/ts/cli/main.js"])
        expect((await get(bad)).status, bad).toBe(404);
    } finally {
      p.kill();
    }
  });

  it("a busy port is one line naming --port, exit 2", async () => {
    const srv = createServer();
    await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", ok));
    const port = (srv.address() as { port: number }).port;
    try {
      const r = await new Promise<{ code: number | null; err: string }>((ok) => {
        const p = spawn(process.execPath, [bin, "web", "--port", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
        let err = "";
        p.stderr.on("data", (d) => (err += d));
        p.on("exit", (code) => ok({ code, err }));
      });
      expect(r.code).toBe(2);
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toContain(`--port ${port}`);
      expect(r.err).toMatch(/in use/);
    } finally {
      srv.close();
    }
    for (const bad of ["65536", "-1", "http"]) expect(cli(["web", "--port", bad]).code, bad).toBe(2);
  });
});
