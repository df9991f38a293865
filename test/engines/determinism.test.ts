// Three engines, one answer (the fast tier): every shipped scenario and the built-in demo
// print the same `--json --entries --state` bytes, traceHash included, under Node (V8),
// Bun (JavaScriptCore), Chromium (V8) and Firefox ESR (SpiderMonkey). The 300 random
// scenarios and the 20,000-op fuzz run are in determinism.slow.test.ts (npm run test:all).
import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cliRecords, crossEngineSuite, firstDifference } from "./engines.js";

const dir = fileURLToPath(new URL("../../scenarios/", import.meta.url));
const shipped = () =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => dir + f);

crossEngineSuite("shipped scenarios and the demo on every engine", shipped);

describe("a difference between engines", () => {
  it("names the input, the first differing step and both versions of it", () => {
    const names = shipped();
    const want = cliRecords("node", names);
    const k = names.findIndex((f) => f.endsWith("move-notify.json"));
    // another engine whose step 3 came out with one changed byte
    const got = [...want];
    const rec = JSON.parse(want[k]!) as { steps: { ok: boolean }[] };
    rec.steps[3]!.ok = !rec.steps[3]!.ok;
    got[k] = JSON.stringify(rec) + "\n";
    const msg = firstDifference("Other", names, want, got)!;
    expect(msg).toMatch(/^Other differs from Node on move-notify\.json: first differing step: 3\n/);
    expect(msg).toContain(`"ok":${!rec.steps[3]!.ok}`);
    expect(msg).toContain(`"ok":${rec.steps[3]!.ok}`);
    // a line that is not JSON at all: the first differing byte
    got[k] = want[k]!.slice(0, 100) + "#";
    expect(firstDifference("Other", names, want, got)).toMatch(/move-notify\.json: first differing byte at 100:/);
    expect(firstDifference("Other", names, want, want)).toBeUndefined();
  });
});
