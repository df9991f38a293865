// Objects that are never disposed are freed by the FinalizationRegistry backstop once
// they are garbage collected (run with --expose-gc in a child process).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { pathToFileURL, fileURLToPath } from "node:url";

const entry = pathToFileURL(fileURLToPath(new URL("../../dist/ts/index.js", import.meta.url))).href;

describe("FinalizationRegistry backstop", () => {
  it("frees the core objects of lists and containers that were dropped without dispose()", () => {
    const script = `
      import { initSync, RangeList, Container } from ${JSON.stringify(entry)};
      const core = initSync();
      RangeList.from([]).dispose();
      const base = core.usage();
      (() => {
        for (let i = 0; i < 100; i++) {
          const l = RangeList.from([[BigInt(i) << 12n, 4096n]]);
          Container.fromList("xarray", l);
        }
      })();
      const mid = core.usage();
      for (let i = 0; i < 50 && core.usage().handles > base.handles; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      const after = core.usage();
      console.log(JSON.stringify({ base: base.handles, mid: mid.handles, after: after.handles, bytes: String(after.bytes - base.bytes) }));
    `;
    const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.mid - out.base).toBe(200);
    expect(out.after).toBe(out.base);
    expect(out.bytes).toBe("0");
  });
});
