/** `dmabuf-map fuzz --seed S --ops N [--json]`: exit 0 when every invariant held, 1 on a violation. */
import { init } from "../core/loader.js";
import type { CommandOf } from "../util/commands.js";
import { fuzz } from "./fuzz.js";

export async function runFuzzCli(cmd: CommandOf<"fuzz">): Promise<number> {
  const core = await init();
  const tty = !!process.stderr.isTTY;
  let last = -1;
  const t0 = performance.now();
  const report = fuzz(core, {
    seed: cmd.seed,
    ops: cmd.ops,
    onProgress: tty
      ? (done, total) => {
          const pct = Math.floor((done / total) * 100);
          if (pct === last) return;
          last = pct;
          const bar = "█".repeat(Math.floor(pct / 4)).padEnd(25, "·");
          process.stderr.write(`\r  fuzz ${bar} ${pct}% (${done.toLocaleString("en-US")} ops)`);
        }
      : undefined,
  });
  if (tty) process.stderr.write("\n");
  const seconds = (performance.now() - t0) / 1000;
  if (cmd.json) {
    process.stdout.write(JSON.stringify(report) + "\n");
  } else {
    const out: string[] = [];
    out.push(`fuzz seed ${report.seed}: ${report.ops.toLocaleString("en-US")} ops in ${seconds.toFixed(1)} s`);
    out.push(`errors by code: ${Object.entries(report.errors).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
    out.push(`violations: ${report.violations.length}`);
    for (const v of report.violations.slice(0, 20)) out.push(`  op ${v.op} (epoch ${v.epoch}) ${v.invariant}: ${v.message}`);
    out.push(`resources at the end: ${report.leaks.iova} IOVA allocator(s) not pristine, heap ${report.leaks.heapBytes} bytes / ${report.leaks.heapBlocks} blocks / ${report.leaks.handles} handles above baseline`);
    if (report.repro) out.push(`reproduce (seed ${report.seed}) with dmabuf-map run on this scenario:`, JSON.stringify(report.repro, null, 2));
    process.stdout.write(out.join("\n") + "\n");
  }
  return report.violations.length ? 1 : 0;
}
