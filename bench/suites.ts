/**
 * The benchmark suites. Every implementation runs on the same seeded inputs, and the
 * results of wasm, ts-typed and native C are checked against each other before timing.
 */
import { Bench } from "tinybench";
import { getCore, wasm, type Core } from "../ts/core/loader.js";
import { RangeList, type Entry } from "../ts/core/range-list.js";
import { Container, CONTAINER_KINDS } from "../ts/core/container.js";
import { DmaBufModel } from "../ts/model/model.js";
import { systemHeapExporter } from "../ts/exporters/heap.js";
import * as ref from "../ts/reference/ops.js";
import { RefIova } from "../ts/reference/iova.js";
import * as typed from "./ts-typed.js";
import { makeList, makeOffsets, makePages } from "./inputs.js";
import { summarize, type Impl, type Result } from "./stats.js";
import type { Native } from "./native.js";

export interface Config {
  quick: boolean;
  native: Native | undefined;
  log: (s: string) => void;
}

const SEED = 1;
const hex16 = (v: bigint) => "0x" + v.toString(16).padStart(16, "0");

/** Times sync tasks with tinybench; loops `inner` times per sample for tiny operations. */
async function timeTasks(
  suite: string, impl: Impl, n: number, tasks: Record<string, () => void>, cfg: Config, heavy = false, inner = 1,
): Promise<Result[]> {
  const bench = new Bench({
    iterations: heavy ? (cfg.quick ? 1 : 3) : cfg.quick ? 5 : 15,
    time: heavy ? 0 : cfg.quick ? 200 : 1000,
    warmupIterations: heavy ? 0 : 2,
    warmupTime: heavy ? 0 : 50,
  });
  for (const [op, fn] of Object.entries(tasks)) bench.add(op, fn);
  await bench.run();
  return bench.tasks.map((t) => {
    const r = t.result;
    if (r.state !== "completed") throw new Error(`${suite}/${impl}/${t.name}: ${r.state === "errored" ? r.error.message : r.state}`);
    const p50Ns = (r.latency.p50 * 1e6) / inner;
    return { suite, impl, op: t.name, n, nsPerEntry: p50Ns / n, p50Ns, p99Ns: (r.latency.p99 * 1e6) / inner, rme: r.latency.rme };
  });
}

function nativeResult(cfg: Config, suite: string, op: string, n: number, reps: number, expectCheck?: string): Result | undefined {
  if (!cfg.native) return undefined;
  const run = cfg.native.run(op, n, reps, SEED);
  if (expectCheck && run.check !== expectCheck) throw new Error(`native ${op} at n=${n} computed ${run.check}, wasm ${expectCheck}: the implementations disagree`);
  const s = summarize(run.samples);
  return { suite, impl: "native-c", op, n, nsPerEntry: s.p50Ns / n, ...s };
}

/** (count << 32) | xor of the low addr words of 4 KiB chunks, read from wasm batches. */
function wasmIterate(list: RangeList): bigint {
  let count = 0;
  let x = 0;
  list.chunkBatches(4096n, (w) => {
    // a hot loop on locals (a captured variable lives in a context slot: 1.5x slower)
    const u = new Uint32Array(w.buffer, w.byteOffset, w.length * 2);
    let y = x;
    for (let i = 0, end = u.length; i < end; i += 4) y ^= u[i]!;
    x = y;
    count += w.length / 2;
  });
  return (BigInt(count) << 32n) | BigInt(x >>> 0);
}

function listHash(words: BigUint64Array, core: Core): bigint {
  const l = RangeList.fromBigUint64Array(words, core);
  try {
    return l.hash();
  } finally {
    l.dispose();
  }
}

/** The seven list operations at one n, for the given implementations. */
async function listOps(suite: string, n: number, impls: readonly Impl[], cfg: Config): Promise<Result[]> {
  const core = getCore();
  const words = makeList(n, SEED);
  const list = RangeList.fromBigUint64Array(words, core);
  const total = list.total();
  const offsets = makeOffsets(n, SEED, total);
  const hashOf = (make: () => RangeList) => {
    const r = make();
    try {
      return hex16(r.hash());
    } finally {
      r.dispose();
    }
  };
  const checks: Record<string, string> = {
    coalesce: hashOf(() => list.coalesce()),
    split: hashOf(() => list.split(0x10000n)),
    "split-mask": hashOf(() => list.split(0xffff_ffffn, 0x7fffn)),
    slice: hashOf(() => list.slice(total / 4n, total / 2n)),
    lookup: hex16(listHash(list.lookupMany(offsets), core)),
    iterate: hex16(wasmIterate(list)),
    hash: hex16(list.hash()),
  };
  const out: Result[] = [];
  try {
    if (impls.includes("wasm")) {
      out.push(
        ...(await timeTasks(suite, "wasm", n, {
          coalesce: () => list.coalesce().dispose(),
          split: () => list.split(0x10000n).dispose(),
          "split-mask": () => list.split(0xffff_ffffn, 0x7fffn).dispose(),
          slice: () => list.slice(total / 4n, total / 2n).dispose(),
          lookup: () => void list.lookupMany(offsets),
          iterate: () => void wasmIterate(list),
          hash: () => void list.hash(),
        }, cfg)),
      );
    }
    if (impls.includes("ts-typed")) {
      const s = typed.fromWords(words);
      const offs = Float64Array.from(offsets, (x) => Number(x));
      const got: Record<string, string> = {
        coalesce: hex16(typed.hash(typed.coalesce(s))),
        split: hex16(typed.hash(typed.split(s, 0x10000, -1))),
        "split-mask": hex16(typed.hash(typed.split(s, 0xffff_ffff, 0x7fff))),
        slice: hex16(typed.hash(typed.slice(s, Number(total / 4n), Number(total / 2n)))),
        lookup: hex16(listHash(BigUint64Array.from(typed.lookupMany(s, offs), (x) => BigInt(x)), core)),
        iterate: hex16(typed.iterate(s, 4096)),
        hash: hex16(typed.hash(s)),
      };
      for (const op of Object.keys(checks)) if (got[op] !== checks[op]) throw new Error(`ts-typed ${op} disagrees with wasm (${got[op]} vs ${checks[op]})`);
      out.push(
        ...(await timeTasks(suite, "ts-typed", n, {
          coalesce: () => void typed.coalesce(s),
          split: () => void typed.split(s, 0x10000, -1),
          "split-mask": () => void typed.split(s, 0xffff_ffff, 0x7fff),
          slice: () => void typed.slice(s, Number(total / 4n), Number(total / 2n)),
          lookup: () => void typed.lookupMany(s, offs),
          iterate: () => void typed.iterate(s, 4096),
          hash: () => void typed.hash(s),
        }, cfg)),
      );
    }
    if (impls.includes("ts-bigint")) {
      const es: Entry[] = list.entries();
      const offs = [...offsets];
      if (hex16(ref.hash(ref.coalesce(es))) !== checks.coalesce) throw new Error("ts-bigint coalesce disagrees with wasm");
      out.push(
        ...(await timeTasks(suite, "ts-bigint", n, {
          coalesce: () => void ref.coalesce(es),
          split: () => void ref.split(es, 0x10000n),
          "split-mask": () => void ref.split(es, 0xffff_ffffn, 0x7fffn),
          slice: () => void ref.slice(es, total / 4n, total / 2n),
          lookup: () => void ref.lookupMany(es, offs),
          iterate: () => void ref.chunks(es, 4096n),
          hash: () => void ref.hash(es),
        }, cfg, true)),
      );
    }
    if (impls.includes("native-c")) {
      for (const op of Object.keys(checks)) {
        const r = nativeResult(cfg, suite, op, n, cfg.quick ? 5 : 15, checks[op]);
        if (r) out.push(r);
      }
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

/** Cost per entry from 10^3 to 10^7 entries (10^6 with --quick), wasm and C. */
export async function sweepSuite(cfg: Config): Promise<Result[]> {
  const sizes = cfg.quick ? [1e3, 1e4, 1e5, 1e6] : [1e3, 1e4, 1e5, 1e6, 1e7];
  const out: Result[] = [];
  for (const n of sizes) {
    cfg.log(`  sweep n = ${n.toExponential(0)}`);
    out.push(...(await listOps("sweep", n, ["wasm", "native-c"], cfg)));
  }
  return out;
}

/** export + attach + sgt map + unmap + detach + close of 1 GiB of 4 KiB pages (262,144 entries). */
export async function pipelineSuite(cfg: Config): Promise<Result[]> {
  const n = 262_144;
  const words = makePages(n);
  const core = getCore();
  const out: Result[] = [];
  for (const [op, iommu] of [["map-pipeline", true], ["map-pipeline-direct", false]] as const) {
    const model = new DmaBufModel(core, {
      devices: {
        cpu: {},
        dev: { maxSegmentSize: 0x10000n, segBoundaryMask: 0xffff_ffffn, ...(iommu ? { iommu: { base: 0x1_0000_0000n, size: 0x1_0000_0000n } } : {}) },
      },
    }, { exporter: systemHeapExporter });
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
    out.push(...(await timeTasks("pipeline", "wasm", n, { [op]: () => void once() }, cfg)));
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
    if (hex16(bigintOnce()) !== check) throw new Error(`ts-bigint ${op} disagrees with wasm`);
    out.push(...(await timeTasks("pipeline", "ts-bigint", n, { [op]: () => void bigintOnce() }, cfg, true)));
    const nat = nativeResult(cfg, "pipeline", op, n, cfg.quick ? 5 : 15, check);
    if (nat) out.push(nat);
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
  const rs = await timeTasks("call", "wasm", 1, {
    call: () => {
      for (let i = 0; i < calls; i++) noop();
    },
  }, cfg, false, calls);
  return rs;
}

/** The five container designs side by side: build, iterate, lookup, convert, bytes. */
export async function containersSuite(cfg: Config): Promise<Result[]> {
  const n = cfg.quick ? 100_000 : 1_000_000;
  const core = getCore();
  const list = RangeList.fromBigUint64Array(makeList(n, SEED), core);
  const total = list.total();
  const probes = Array.from(makeOffsets(100, SEED, total));
  const out: Result[] = [];
  for (const [i, kind] of CONTAINER_KINDS.entries()) {
    const ct = Container.fromList(kind, list);
    const next = CONTAINER_KINDS[(i + 1) % CONTAINER_KINDS.length]!;
    const bytesPerEntry = Number(ct.bytes()) / n;
    const rs = await timeTasks("containers", "wasm", n, {
      [`${kind}:build`]: () => Container.fromList(kind, list).dispose(),
      [`${kind}:iterate`]: () => ct.chunkBatches(0n, () => {}),
      [`${kind}:convert`]: () => ct.convert(next).dispose(),
      [`${kind}:hash`]: () => void ct.hash(),
    }, cfg);
    const lk = await timeTasks("containers", "wasm", n, { [`${kind}:lookup`]: () => { for (const p of probes) ct.lookup(p); } }, cfg, false, probes.length);
    for (const r of [...rs, ...lk]) out.push({ ...r, bytesPerEntry });
    ct.dispose();
  }
  list.dispose();
  return out;
}

export const SUITES = { ops: opsSuite, pipeline: pipelineSuite, containers: containersSuite, call: callSuite, sweep: sweepSuite } as const;
