// The wasm seam: the TS view of the core (ts/core/abi.ts, generated from assembly/ by
// scripts/gen-abi.mjs) must agree with the module itself, every registered container
// kind must answer every op, and an internal error of the core is EFAULT, never EINVAL.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createCoreSync, coreImports, wasm } from "../../ts/core/loader.js";
import { CONTAINER_KIND, CONTAINER_KINDS, EXPORT_ARITY, KIND, LAYOUT, REASON, STATUS } from "../../ts/core/abi.js";
import { ERRNO, REASON_TEXT, DmaBufError } from "../../ts/core/errors.js";
import { RangeList } from "../../ts/core/range-list.js";
import { Container } from "../../ts/core/container.js";
import { outcome } from "../helpers.js";

const bytes = readFileSync(new URL("../../build/release.wasm", import.meta.url));
const mod = new WebAssembly.Module(bytes);

function instantiate() {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536 });
  const inst = new WebAssembly.Instance(mod, coreImports(memory));
  (inst.exports._initialize as () => void)();
  return { x: inst.exports, memory };
}

describe("the wasm seam", () => {
  const { x, memory } = instantiate();

  it("the TS export table names exactly the module's functions, with their arity", () => {
    const fns = WebAssembly.Module.exports(mod)
      .filter((e) => e.kind === "function" && e.name !== "_initialize")
      .map((e) => e.name);
    expect(fns.sort()).toEqual(Object.keys(EXPORT_ARITY).sort());
    for (const [name, arity] of Object.entries(EXPORT_ARITY)) expect([name, (x[name] as (...a: unknown[]) => unknown).length]).toEqual([name, arity]);
  });

  it("every constant of the TS view is the value the module exports, and none is missing", () => {
    const globals = WebAssembly.Module.exports(mod)
      .filter((e) => e.kind === "global")
      .map((e) => e.name);
    const ts: Record<string, number> = {
      ...STATUS,
      ...Object.fromEntries(Object.entries(REASON).map(([k, v]) => [`R_${k}`, v])),
      ...Object.fromEntries(Object.entries(KIND).map(([k, v]) => [`K_${k}`, v])),
      ...LAYOUT,
    };
    expect(globals.sort()).toEqual(Object.keys(ts).sort());
    for (const name of globals) expect([name, Number((x[name] as WebAssembly.Global).value)]).toEqual([name, ts[name]]);
  });

  it("the container kinds are the registry's, in order, with their handle kinds and record sizes", () => {
    const out = () => new BigUint64Array(memory.buffer, (x.out_ptr as () => number)(), LAYOUT.OUT_SLOTS);
    const n = (x.ct_kinds as () => number)();
    expect(n).toBe(CONTAINER_KINDS.length);
    for (let i = 0; i < n; i++) {
      expect((x.ct_kind_info as (i: number) => number)(i)).toBe(STATUS.OK);
      const o = out();
      const name = Buffer.from(memory.buffer, Number(o[1]), Number(o[2])).toString("utf16le");
      expect(name).toBe(CONTAINER_KINDS[i]);
      expect({ kind: Number(o[0]), recordBytes: Number(o[3]) }).toEqual(CONTAINER_KIND[CONTAINER_KINDS[i]!]);
    }
    expect((x.ct_kind_info as (i: number) => number)(n)).toBe(STATUS.EINVAL);
  });

  it("the hand-written errno table and reason texts agree with the core's numbers", () => {
    for (const [name, status] of Object.entries(STATUS)) {
      if (name !== "OK") expect([name, ERRNO[name as keyof typeof ERRNO]]).toEqual([name, -status]);
    }
    expect(Object.keys(REASON_TEXT).sort()).toEqual(Object.keys(REASON).sort());
  });

  it("the layouts the hot loops assume: an entry is {addr u64 @0, len u64 @8}, a scatterlist is 32 bytes", () => {
    expect([LAYOUT.ENTRY_ADDR, LAYOUT.ENTRY_LEN, LAYOUT.ENTRY_BYTES]).toEqual([0, 8, 16]);
    expect([LAYOUT.SG_PAGE_LINK, LAYOUT.SG_OFFSET, LAYOUT.SG_LENGTH, LAYOUT.SG_DMA_ADDRESS, LAYOUT.SG_DMA_LENGTH, LAYOUT.SG_BYTES]).toEqual([
      0, 8, 12, 16, 24, 32,
    ]);
  });
});

describe("container kinds", () => {
  it("every registered kind answers every op (a forgotten case would be EFAULT here)", () => {
    const c = createCoreSync();
    const list = RangeList.from(
      [
        [0x1000n, 0x3000n],
        [0x10000n, 0x1000n],
        [0x2_0000_0000n, 0x2000n],
      ],
      c,
    );
    const base = c.usage();
    for (const kind of CONTAINER_KINDS) {
      const ct = Container.fromList(kind, list, kind === "physvec" ? { provider: { owner: 3, busOffset: 0x40n } } : { data: 7n }); // OP_BUILD
      expect(ct.count).toBe(3); // OP_COUNT
      expect(ct.bytes()).toBeGreaterThan(0n); // OP_BYTES
      expect(ct.hash()).toBe(list.hash()); // OP_READ
      const back = ct.toList();
      expect(back.entries()).toEqual(list.entries());
      back.dispose();
      expect(ct.lookup(0x3000n)).toEqual({ index: 1, offset: 0n });
      expect([...ct.chunks(0x1000n)].length).toBe(6); // OP_PLAIN (direct or through OP_READ)
      const raw = ct.raw(); // OP_DATA, OP_RECORD
      expect(raw === undefined ? 0 : raw.length * 8).toBe(3 * CONTAINER_KIND[kind].recordBytes);
      const hdr = ct.header(); // OP_HEADER
      if (kind === "physvec") expect(hdr).toEqual({ provider: { owner: 3, busOffset: 0x40n } });
      for (const to of CONTAINER_KINDS) {
        const cv = ct.convert(to);
        expect(cv.hash()).toBe(list.hash());
        cv.dispose();
      }
      expect(Container.kindOf(c, ct.handle)).toBe(kind);
      ct.dispose(); // OP_DESTROY
      expect(c.usage()).toEqual(base);
    }
    list.dispose();
  });
});

describe("internal errors", () => {
  it("a core assertion (here: an unknown container kind) is EFAULT naming an internal bug, and the core stays usable", () => {
    const c = createCoreSync();
    const list = RangeList.from([[0x1000n, 0x1000n]], c);
    const bad = KIND.CONTAINER + CONTAINER_KINDS.length; // not registered
    const r = outcome(() => wasm(c).ct_from_list(bad, list.handle, 0n, 0n, 0n, 0n, 0, 0));
    expect(r).toMatchObject({ ok: false, code: "EFAULT" });
    const err = (() => {
      try {
        wasm(c).ct_from_list(bad, list.handle, 0n, 0n, 0n, 0n, 0, 0);
      } catch (e) {
        return e as DmaBufError;
      }
    })();
    expect(err).toBeInstanceOf(DmaBufError);
    expect(err!.message).toMatch(/internal bug: not a container kind/);
    expect(err!.message).not.toMatch(/EINVAL/);
    // nothing changed and the core still works
    expect(list.hash()).toBe(RangeList.from([[0x1000n, 0x1000n]], c).hash());
    const sgt = Container.fromList("sgt", list);
    expect(sgt.count).toBe(1);
  });

  it("a status the core never returns is EFAULT too, not EINVAL", () => {
    const c = createCoreSync();
    expect(outcome(() => c.check(-1000, "x"))).toMatchObject({ ok: false, code: "EFAULT" });
  });
});
