/**
 * The benchmark suites. Every implementation runs on the same seeded inputs, and the
 * results of wasm, ts-typed and native C are checked against each other before timing.
 */
import { getCore, wasm, type Core } from "../ts/core/loader.js";
import type { Entry } from "../ts/core/range-list.js";
import { Container, CONTAINER_KINDS } from "../ts/core/container.js";
import { DmaBufModel } from "../ts/model/model.js";
import { systemHeapExporter } from "../ts/exporters/heap.js";
import * as ref from "../ts/reference/ops.js";
import { RefIova } from "../ts/reference/iova.js";
import * as typed from "./ts-typed.js";
import { makeOffsets, makePages } from "./inputs.js";
import {
  SEED,
  hex16,
  fmtN,
  timeTasks,
  listHash,
  summaryCheck,
  seededList,
  wasmOps,
  LIST_OPS,
  LARGE_OPS,
  disagree,
  type Config,
  type ListOp,
} from "./listops.js";
import { summarize, type Impl, type Result } from "./stats.js";
export { WALL, type Clock, type Config } from "./listops.js";
import { loadInput } from "./input.js";
import { pagesSuite } from "./pages.js";
import { lookupBatchedResult } from "./lookup-batched.js";
import { cSides, localSide, measure, type PlanOptions } from "./alternate.js";

/** The shortest sample in Node and C: 1 ms, 1,000 × the resolution of process.cpuUsage(). */
const MIN_SAMPLE_NS = 1e6;
const planFor = (cfg: Config, huge = false): PlanOptions & { log: (s: string) => void } => ({
  quick: cfg.quick,
  minSampleNs: MIN_SAMPLE_NS,
  huge,
  log: cfg.log,
});

function nativeResult(
  cfg: Config,
  suite: string,
  op: string,
  n: number,
  reps: number,
  expectCheck?: string,
  source: string = String(SEED),
): Result | undefined {
  if (!cfg.native) return undefined;
  cfg.log(`  ${suite} · native-c · ${op} · n = ${fmtN(n)}`);
  const run = cfg.native.run(op, n, reps, source, cfg.clock.name);
  if (expectCheck && run.check !== expectCheck) disagree(`native ${op} at n=${n} computed ${run.check}, wasm ${expectCheck}: the implementations disagree`);
  const s = summarize(run.samples);
  return { suite, impl: "native-c", op, n, nsPerEntry: s.p50Ns / n, ...s };
}

/** iterate in bigint TS: chunkSummary(4096) over the entries, the same closed form as the core. */
export function bigintSummary(es: readonly Entry[], k: bigint): { count: bigint; bytes: bigint; xor: bigint } {
  const s = BigInt(k.toString(2).length - 1);
  const upTo = (n: bigint) => [n, 1n, n + 1n, 0n][Number(n & 3n)]!;
  let count = 0n,
    bytes = 0n,
    xor = 0n;
  for (const { addr, len } of es) {
    bytes += len;
    const m = len ? ((len - 1n) >> s) + 1n : 0n;
    const q = addr >> s;
    count += m;
    xor ^= (((upTo(q + m - 1n) ^ upTo(BigInt.asUintN(64, q - 1n))) << s) & 0xffff_ffff_ffff_ffffn) | (m & 1n ? addr & (k - 1n) : 0n);
  }
  return { count, bytes, xor };
}

/** The reference (ts-bigint) results of the list operations, as wasmOps' checks. */
export function referenceChecks(es: Entry[], core: Core): Record<ListOp, string> {
  const total = ref.total(es);
  const offsets = makeOffsets(es.length, SEED, total);
  let count = 0n;
  let x = 0n;
  let x64 = 0n;
  for (const e of es) {
    for (let off = 0n; off < e.len; off += 4096n) x64 ^= (e.addr + off) & 0xffff_ffff_ffff_ffffn;
    count += (e.len + 4095n) / 4096n;
  }
  x = x64 & 0xffff_ffffn;
  const pairs = ref.lookupMany(es, [...offsets]);
  return {
    coalesce: hex16(ref.hash(ref.coalesce(es))),
    split: hex16(ref.hash(ref.split(es, 0x10000n))),
    "split-mask": hex16(ref.hash(ref.split(es, 0xffff_ffffn, 0x7fffn))),
    slice: hex16(ref.hash(ref.slice(es, total / 4n, total / 2n))),
    lookup: hex16(listHash(BigUint64Array.from(pairs.flatMap(([i, o]) => [BigInt(i), o])), core)),
    iterate: hex16(summaryCheck({ count, bytes: total, xor: x64 }, core)),
    "iterate-js": hex16((count << 32n) | x),
    hash: hex16(ref.hash(es)),
  };
}

/** The list operations at one n, for the given implementations. */
async function listOps(suite: string, n: number, impls: readonly Impl[], cfg: Config, ops: readonly ListOp[] = LIST_OPS): Promise<Result[]> {
  const core = getCore();
  const list = seededList(n, core);
  // past 10^7 an operation takes seconds: 3 samples each
  const huge = n > 1e7;
  const out: Result[] = [];
  try {
    const { checks, tasks } = wasmOps(list, ops);
    const total = list.total();
    if (impls.includes("wasm")) {
      // the list's own bytes beside the peak RSS: nothing may hold a second copy in JS
      const listBytes = Number(list.bytes());
      const mem = cfg.peakRss && suite === "sweep" ? () => ({ bytesPerEntry: listBytes / n, listBytes, peakRssBytes: cfg.peakRss!() }) : () => ({});
      // wasm, C (fair and -march=native) and the floor, alternating sample by sample
      for (const op of ops) {
        const c = impls.includes("native-c") ? cSides(cfg.native, cfg.clock.name, op, n, checks[op], String(SEED)) : [];
        const rs = await measure(suite, op, n, [localSide("wasm", tasks[op]!, cfg.clock), ...c], planFor(cfg, huge));
        out.push(...rs.map((r) => (r.impl === "wasm" ? { ...r, ...mem() } : r)));
      }
    }
    if (impls.includes("ts-typed")) {
      const words = list.toBigUint64Array();
      const offsets = makeOffsets(n, SEED, total);
      const s = typed.fromWords(words);
      const offs = Float64Array.from(offsets, (x) => Number(x));
      const got: Record<string, string> = {
        coalesce: hex16(typed.hash(typed.coalesce(s))),
        split: hex16(typed.hash(typed.split(s, 0x10000, -1))),
        "split-mask": hex16(typed.hash(typed.split(s, 0xffff_ffff, 0x7fff))),
        slice: hex16(typed.hash(typed.slice(s, Number(total / 4n), Number(total / 2n)))),
        lookup: hex16(
          listHash(
            BigUint64Array.from(typed.lookupMany(s, offs), (x) => BigInt(x)),
            core,
          ),
        ),
        "iterate-js": hex16(typed.iterate(s, 4096)),
        hash: hex16(typed.hash(s)),
      };
      for (const op of ops) if (op in got && got[op] !== checks[op]) disagree(`ts-typed ${op} disagrees with wasm (${got[op]} vs ${checks[op]})`);
      out.push(
        ...(await timeTasks(
          suite,
          "ts-typed",
          n,
          {
            coalesce: () => void typed.coalesce(s),
            split: () => void typed.split(s, 0x10000, -1),
            "split-mask": () => void typed.split(s, 0xffff_ffff, 0x7fff),
            slice: () => void typed.slice(s, Number(total / 4n), Number(total / 2n)),
            lookup: () => void typed.lookupMany(s, offs),
            "iterate-js": () => void typed.iterate(s, 4096),
            hash: () => void typed.hash(s),
          },
          cfg,
        )),
      );
    }
    if (impls.includes("ts-bigint")) {
      const es: Entry[] = list.entries();
      const offs = [...makeOffsets(n, SEED, total)];
      if (hex16(ref.hash(ref.coalesce(es))) !== checks.coalesce) disagree("ts-bigint coalesce disagrees with wasm");
      if (hex16(summaryCheck(bigintSummary(es, 4096n), core)) !== checks.iterate) disagree("ts-bigint iterate disagrees with wasm");
      out.push(
        ...(await timeTasks(
          suite,
          "ts-bigint",
          n,
          {
            coalesce: () => void ref.coalesce(es),
            split: () => void ref.split(es, 0x10000n),
            "split-mask": () => void ref.split(es, 0xffff_ffffn, 0x7fffn),
            slice: () => void ref.slice(es, total / 4n, total / 2n),
            lookup: () => void ref.lookupMany(es, offs),
            iterate: () => void bigintSummary(es, 4096n),
            "iterate-js": () => void ref.chunks(es, 4096n),
            hash: () => void ref.hash(es),
          },
          cfg,
          true,
        )),
      );
    }
    if (impls.includes("native-c") && !impls.includes("wasm")) {
      for (const op of ops) {
        const r = nativeResult(cfg, suite, op, n, huge ? 3 : cfg.quick ? 5 : 15, checks[op]);
        if (r) out.push(r);
      }
      const lb = ops.includes("lookup") ? lookupBatchedResult(cfg, suite, n, huge ? 3 : cfg.quick ? 5 : 15, checks.lookup) : undefined;
      if (lb) out.push(lb);
    }
  } finally {
    list.dispose();
  }
  return out;
}

/** The list operations on a user's own list (bench --input): wasm against the reference
 *  first, then wasm and C timed on it. */
export async function inputSuite(cfg: Config, file: string): Promise<Result[]> {
  const core = getCore();
  const { list, binary } = loadInput(file, core);
  const n = list.length;
  const out: Result[] = [];
  try {
    cfg.log(`input ${file}: ${n.toLocaleString("en-US")} entries; checking wasm against the reference…`);
    const { checks, tasks } = wasmOps(list, LIST_OPS);
    const want = referenceChecks(list.entries(), core);
    for (const op of LIST_OPS) if (checks[op] !== want[op]) disagree(`wasm ${op} disagrees with the reference on ${file} (${checks[op]} vs ${want[op]})`);
    for (const op of LIST_OPS) {
      const sides = [localSide("wasm", tasks[op]!, cfg.clock), ...cSides(cfg.native, cfg.clock.name, op, n, checks[op], `@${binary}`)];
      out.push(...(await measure("input", op, n, sides, planFor(cfg))));
    }
  } finally {
    list.dispose();
  }
  return out;
}

/** wasm vs TS vs C on the seven list operations at n = 10^6. */
export async function opsSuite(cfg: Config): Promise<Result[]> {
  return listOps("ops", 1_000_000, ["wasm", "ts-typed", "ts-bigint", "native-c"], cfg);
}

/** One size of the sweep, wasm and C. Past 10^7 only the operations with a per-entry
 *  target run (LARGE_OPS), and each size reports the list's bytes per entry and the
 *  process's peak RSS. */
export async function sweepAt(n: number, cfg: Config): Promise<Result[]> {
  return listOps("sweep", n, ["wasm", "native-c"], cfg, n > 1e7 ? LARGE_OPS : LIST_OPS);
}

/** Cost per entry from 10^3 to 10^7 entries (10^6 with --quick; up to --max-n), wasm
 *  and C, each size in a fresh process where one can be started (cfg.isolate): the peak
 *  RSS it reports is then that size's own, not what a wasm heap that never shrinks kept
 *  from the sizes before. */
export async function sweepSuite(cfg: Config): Promise<Result[]> {
  const sizes = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8].filter((n) => n <= (cfg.quick ? Math.min(cfg.maxN, 1e6) : cfg.maxN));
  const out: Result[] = [];
  for (const n of sizes) {
    cfg.log(`  sweep n = ${fmtN(n)}${cfg.isolate ? " (own process)" : ""}`);
    out.push(...(cfg.isolate ? cfg.isolate(n) : await sweepAt(n, cfg)));
  }
  return out;
}

/** export + attach + sgt map + unmap + detach + close of 1 GiB of 4 KiB pages (262,144 entries). */
export async function pipelineSuite(cfg: Config): Promise<Result[]> {
  const n = 262_144;
  const words = makePages(n);
  const core = getCore();
  const out: Result[] = [];
  for (const [op, iommu] of [
    ["map-pipeline", true],
    ["map-pipeline-direct", false],
  ] as const) {
    const model = new DmaBufModel(
      core,
      {
        devices: {
          cpu: {},
          dev: { maxSegmentSize: 0x10000n, segBoundaryMask: 0xffff_ffffn, ...(iommu ? { iommu: { base: 0x1_0000_0000n, size: 0x1_0000_0000n } } : {}) },
        },
      },
      { exporter: systemHeapExporter },
    );
    let k = 0;
    const once = () => {
      const b = `b${k++}`;
      model.export({ buffer: b, exporter: "cpu", size: 0x4000_0000n, backing: { kind: "system", ranges: words } });
      model.attach({ buffer: b, importer: "dev", as: `${b}a` });
      const r = model.map({ attachment: `${b}a`, as: `${b}m` });
      model.unmap(`${b}m`);
      model.detach(`${b}a`);
      model.close(b);
      return r;
    };
    const check = hex16(once().hash);
    const sides = [localSide("wasm", () => void once(), cfg.clock), ...cSides(cfg.native, cfg.clock.name, op, n, check, String(SEED))];
    out.push(...(await measure("pipeline", op, n, sides, planFor(cfg))));
    model.dispose();
    const es: Entry[] = Array.from({ length: n }, (_, i) => ({ addr: words[2 * i]!, len: words[2 * i + 1]! }));
    const bigintOnce = () => {
      ref.validate(es, 4096n);
      ref.checkDisjoint(es);
      const total = ref.total(es);
      const iova = new RefIova(0x1_0000_0000n, 0x1_0000_0000n);
      const segs = iommu ? ref.split([{ addr: iova.alloc(total), len: total }], 0x10000n, 0xffff_ffffn) : ref.split(es, 0x10000n, 0xffff_ffffn);
      return ref.hash(ref.sgtEntries(segs));
    };
    if (hex16(bigintOnce()) !== check) disagree(`ts-bigint ${op} disagrees with wasm`);
    out.push(...(await timeTasks("pipeline", "ts-bigint", n, { [op]: () => void bigintOnce() }, cfg, true)));
  }
  out.push(...(await modelSteps(cfg)));
  return out;
}

/**
 * Model steps at scale: N/2 attaches to one buffer, then N/2 detaches oldest first (the
 * worst case for a list kept as an array). ns per step stays flat from 10^4 to 10^6
 * steps when every step is O(1) in the number of attachments.
 */
async function modelSteps(cfg: Config): Promise<Result[]> {
  const out: Result[] = [];
  for (const steps of [10_000, 100_000, 1_000_000]) {
    const half = steps / 2;
    const names = Array.from({ length: half }, (_, i) => `a${i}`);
    const once = () => {
      const model = new DmaBufModel(getCore(), { devices: { cpu: {}, dev: {} } }, { exporter: systemHeapExporter });
      model.export({ buffer: "b", exporter: "cpu", size: 0x1000n, backing: { kind: "system", ranges: [{ addr: 0x1000n, len: 0x1000n }] } });
      for (const as of names) model.attach({ buffer: "b", importer: "dev", as });
      for (const as of names) model.detach(as);
      model.dispose();
    };
    out.push(...(await timeTasks("pipeline", "wasm", steps, { "model-steps": once }, cfg, true)));
  }
  return out;
}

/** The cost of one JS -> wasm call (a no-op export), measured over 10^6 calls. */
export async function callSuite(cfg: Config): Promise<Result[]> {
  const noop = wasm(getCore()).noop;
  const calls = 1_000_000;
  const rs = await timeTasks(
    "call",
    "wasm",
    1,
    {
      call: () => {
        for (let i = 0; i < calls; i++) noop();
      },
    },
    cfg,
    false,
    calls,
  );
  return rs;
}

/** The five container designs side by side: build, iterate, lookup, convert, bytes. */
export async function containersSuite(cfg: Config): Promise<Result[]> {
  const n = cfg.quick ? 100_000 : 1_000_000;
  const core = getCore();
  const list = seededList(n, core);
  const total = list.total();
  const probes = Array.from(makeOffsets(100, SEED, total));
  const out: Result[] = [];
  for (const [i, kind] of CONTAINER_KINDS.entries()) {
    const ct = Container.fromList(kind, list);
    const next = CONTAINER_KINDS[(i + 1) % CONTAINER_KINDS.length]!;
    const bytesPerEntry = Number(ct.bytes()) / n;
    const rs = await timeTasks(
      "containers",
      "wasm",
      n,
      {
        [`${kind}:build`]: () => Container.fromList(kind, list).dispose(),
        [`${kind}:iterate`]: () => ct.chunkBatches(0n, () => {}),
        [`${kind}:convert`]: () => ct.convert(next).dispose(),
        [`${kind}:hash`]: () => void ct.hash(),
      },
      cfg,
    );
    const lk = await timeTasks(
      "containers",
      "wasm",
      n,
      {
        [`${kind}:lookup`]: () => {
          for (const p of probes) ct.lookup(p);
        },
      },
      cfg,
      false,
      probes.length,
    );
    for (const r of [...rs, ...lk]) out.push({ ...r, bytesPerEntry });
    ct.dispose();
  }
  list.dispose();
  return out;
}

export const SUITES = { ops: opsSuite, pipeline: pipelineSuite, containers: containersSuite, call: callSuite, sweep: sweepSuite, pages: pagesSuite } as const;
