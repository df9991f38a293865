// The mapping-types RFC's own KUnit table, drivers/dma-buf/st-dma-mapping.c ("[PATCH RFC
// 26/26] dma-buf: Add kunit tests for mapping type", Jason Gunthorpe, 2026-02-17), ported
// case by case through the public API under the `mapping-types` profile
// (docs/rules.md#profiles). Each `it` names the KUnit function it ports; the expected
// outcomes are the kernel test's own. The kernel calls dma_buf_match_mapping() directly;
// here each call is an export of an ops table whose `mappingTypes` is the exporter's list
// (the exp[] array) and an attach whose importer ops give the match list (imp[]), so the
// whole attach path runs. The mock type's match and finish_match become each entry's
// `match` and `finishMatch`, recording what they were called with, as the mocks do.
import { beforeEach, describe, expect, it } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { BUILTIN_INTERCONNECTS } from "../../ts/model/interconnects.js";
import type { InterconnectMatch } from "../../ts/model/importer.js";
import type { ErrorCode } from "../../ts/core/errors.js";
import type { InterconnectOps, MapProduct, MatchContext } from "../../ts/model/ops.js";
import { core } from "../helpers.js";
import { FABRIC, SYSTEM, fails } from "./world.js";

// ---- the mocks (st-dma-mapping.c's mock tracking state, reset before each test) ----
let mockMatchCalled = false;
let mockMatchArg: MatchContext | undefined;
let mockMatchRet: ErrorCode | undefined; // undefined: return 0 (accept)
let mockFinishCalled = false;
let mockFinishArg: MatchContext | undefined;

beforeEach(() => {
  // reset_mock_state()
  mockMatchCalled = false;
  mockMatchArg = undefined;
  mockMatchRet = undefined;
  mockFinishCalled = false;
  mockFinishArg = undefined;
});

const mockMatch = (ctx: MatchContext): void => {
  mockMatchCalled = true;
  mockMatchArg = ctx;
  if (mockMatchRet) throw new DmaBufError(mockMatchRet, `mock_match returns -${mockMatchRet}`);
};
const mockFinishMatch = (ctx: MatchContext): void => {
  mockFinishCalled = true;
  mockFinishArg = ctx;
};
/** mock_map_dma_buf(): ERR_PTR(-ENODEV); never reached by these tests. */
const mockMap = (): MapProduct => {
  throw new DmaBufError("ENODEV", "mock_map_dma_buf");
};

// the mapping types: mock_type_a and mock_type_b (match and finish_match), mock_type_no_match (finish_match only)
const MOCK_TYPES = ["mock_type_a", "mock_type_b", "mock_type_no_match"] as const;
type MockType = (typeof MOCK_TYPES)[number];
/** An exporter entry of `type` (DMA_BUF_EMAPPING_*): the type's match and finish_match, and a map. */
const emapping = (type: MockType): InterconnectOps =>
  type === "mock_type_no_match"
    ? { name: type, finishMatch: mockFinishMatch, map: mockMap }
    : { name: type, match: mockMatch, finishMatch: mockFinishMatch, map: mockMap };
/** DMA_BUF_EMAPPING_SGT(&mock_sgt_ops): the SGT type with mock_map_dma_buf / mock_unmap_dma_buf. */
const SGT: InterconnectOps = { name: "sgt", map: mockMap, unmap() {} };

function model(): DmaBufModel {
  const interconnects = [...BUILTIN_INTERCONNECTS, ...MOCK_TYPES.map((name) => ({ name, defaultContainer: "sgt" as const }))];
  return new DmaBufModel(core(), FABRIC, { profile: "mapping-types", interconnects });
}

/** mock_dmabuf_export(): buffer "b" with `mappingTypes` as the exporter's list. */
function exportMock(m: DmaBufModel, mappingTypes: readonly InterconnectOps[]): void {
  m.export({ buffer: "b", exporter: "exp", size: 0x10_0000n, backing: SYSTEM(1), ops: { name: "mock", release() {}, mappingTypes } });
}

/** dma_buf_match_mapping(&args, exp, ARRAY_SIZE(exp)) with args.imp_matches = imp: 0 and the mapping type, or the error code. */
function matchMapping(exp: readonly InterconnectOps[], imp: readonly InterconnectMatch[]): { ret: 0; type: string } | { ret: string } {
  const m = model();
  try {
    exportMock(m, exp);
    const ops = { invalidateMappings() {}, supportsInterconnects: true, interconnects: imp };
    let type = "";
    const before = JSON.stringify(m.snapshot());
    try {
      type = m.attach({ buffer: "b", importer: "peer", as: "a", ops }).interconnect;
    } catch (e) {
      if (!(e instanceof DmaBufError)) throw e;
      expect(JSON.stringify(m.snapshot())).toBe(before); // a refused attach changes nothing
      return { ret: e.code };
    }
    return { ret: 0, type };
  } finally {
    m.dispose();
  }
}

const imp = (...types: string[]): InterconnectMatch[] => types.map((name) => ({ name }));

describe("st-dma-mapping.c: dma_buf_match_mapping()'s rules", () => {
  it("test_match_fail: a zero-length exporter array returns -EINVAL, match and finish_match uncalled", () => {
    expect(matchMapping([], imp("mock_type_a"))).toEqual({ ret: "EINVAL" });
    expect(mockMatchCalled).toBe(false);
    expect(mockFinishCalled).toBe(false);
  });

  it("test_match_fail: a zero-length importer array returns -EINVAL, match and finish_match uncalled", () => {
    // the model refuses an empty importer list as an argument (EINVAL naming it), before any match runs
    expect(matchMapping([emapping("mock_type_a")], [])).toEqual({ ret: "EINVAL" });
    expect(mockMatchCalled).toBe(false);
    expect(mockFinishCalled).toBe(false);
  });

  it("test_match_fail: different types produce no match: -EINVAL, match and finish_match uncalled", () => {
    // as the comment means it (importer [a], exporter [b]) ...
    expect(matchMapping([emapping("mock_type_b")], imp("mock_type_a"))).toEqual({ ret: "EINVAL" });
    // ... and as the kernel test runs it (args was reset to an empty importer list just before)
    expect(matchMapping([emapping("mock_type_b")], [])).toEqual({ ret: "EINVAL" });
    expect(mockMatchCalled).toBe(false);
    expect(mockFinishCalled).toBe(false);
  });

  it("test_match_no_match_callback: without type->match() the same types always match; finish_match gets the pair", () => {
    const matches = imp("mock_type_no_match");
    expect(matchMapping([emapping("mock_type_no_match")], matches)).toEqual({ ret: 0, type: "mock_type_no_match" });
    expect(mockMatchCalled).toBe(false);
    expect(mockFinishCalled).toBe(true);
    // KUNIT_EXPECT_PTR_EQ(mock_finish_exp_arg, &matches[0]), (mock_finish_imp_arg, &matches[0])
    expect(mockFinishArg!.exporterIndex).toBe(0);
    expect(mockFinishArg!.importerIndex).toBe(0);
    expect(mockFinishArg!.importerMatch).toBe(matches[0]);
  });

  it("test_match_callback_returns: type->match() returns -EOPNOTSUPP: skips to the next, none left: -EINVAL", () => {
    mockMatchRet = "EOPNOTSUPP";
    expect(matchMapping([emapping("mock_type_a")], imp("mock_type_a"))).toEqual({ ret: "EINVAL" });
    expect(mockMatchCalled).toBe(true);
    expect(mockFinishCalled).toBe(false);
  });

  it("test_match_callback_returns: type->match() returns an error code (-ENOMEM): stops immediately and returns it", () => {
    mockMatchRet = "ENOMEM";
    expect(matchMapping([emapping("mock_type_a")], imp("mock_type_a"))).toEqual({ ret: "ENOMEM" });
    expect(mockMatchCalled).toBe(true);
    expect(mockFinishCalled).toBe(false);
  });

  it("test_match_exporter_priority: exporter [a, b], importer [a, b]: the first matches (exp[0], imp[0])", () => {
    const i = imp("mock_type_a", "mock_type_b");
    expect(matchMapping([emapping("mock_type_a"), emapping("mock_type_b")], i)).toEqual({ ret: 0, type: "mock_type_a" });
    expect(mockFinishCalled).toBe(true);
    expect([mockFinishArg!.exporterIndex, mockFinishArg!.importerIndex]).toEqual([0, 0]);
    expect(mockFinishArg!.importerMatch).toBe(i[0]);
    expect(mockMatchArg!.importerMatch).toBe(i[0]);
  });

  it("test_match_exporter_priority: exporter [b], importer [a, b]: the second matches (exp[0], imp[1])", () => {
    const i = imp("mock_type_a", "mock_type_b");
    expect(matchMapping([emapping("mock_type_b")], i)).toEqual({ ret: 0, type: "mock_type_b" });
    expect(mockFinishCalled).toBe(true);
    expect([mockFinishArg!.exporterIndex, mockFinishArg!.importerIndex]).toEqual([0, 1]);
    expect(mockFinishArg!.importerMatch).toBe(i[1]);
  });

  it("test_match_importer_priority: exporter [a, b], a single importer [b]: exp[1], imp[0]", () => {
    const i = imp("mock_type_b");
    expect(matchMapping([emapping("mock_type_a"), emapping("mock_type_b")], i)).toEqual({ ret: 0, type: "mock_type_b" });
    expect([mockFinishArg!.exporterIndex, mockFinishArg!.importerIndex]).toEqual([1, 0]);
    expect(mockFinishArg!.importerMatch).toBe(i[0]);
  });

  it("test_match_importer_priority: exporter [a, b], importer [b, a]: the exporter's first wins over the importer's (exp[0], imp[1])", () => {
    const i = imp("mock_type_b", "mock_type_a");
    expect(matchMapping([emapping("mock_type_a"), emapping("mock_type_b")], i)).toEqual({ ret: 0, type: "mock_type_a" });
    expect([mockFinishArg!.exporterIndex, mockFinishArg!.importerIndex]).toEqual([0, 1]);
    expect(mockFinishArg!.importerMatch).toBe(i[1]);
  });
});

describe("st-dma-mapping.c: attach flows", () => {
  // dma_exporter_params: mock_dmabuf_simple_sgt_ops (DMA_BUF_SIMPLE_SGT_EXP_MATCH: one SGT entry, no P2P)
  // and mock_dmabuf_two_exp_ops (match_mapping offering [mock_type_a, SGT])
  const EXPORTERS: [string, () => InterconnectOps[]][] = [
    ["simple_sgt", () => [SGT]],
    ["two_exp", () => [emapping("mock_type_a"), SGT]],
  ];

  it.each(EXPORTERS)("test_sgt_attach (%s): dma_buf_sgt_attach() gets the SGT type, the importer's device, no P2P", (_desc, exp) => {
    const m = model();
    exportMock(m, exp());
    // dma_buf_sgt_attach(dmabuf, dev): a static importer asking for [DMA_BUF_IMAPPING_SGT(dev, DMA_SGT_NO_P2P)]
    expect(m.attach({ buffer: "b", importer: "peer", as: "a" })).toEqual({ interconnect: "sgt" });
    const a = m.attachments.get("a")!;
    expect(a.interconnect).toBe("sgt"); // attach->map_type.type == &dma_buf_mapping_sgt_type
    expect(a.device.name).toBe("peer"); // dma_buf_sgt_dma_device(attach) == dev
    expect(a.peer2peer).toBe(false); // !dma_buf_sgt_p2p_allowed(attach)
    m.detach("a"); // dma_buf_detach()
    m.close("b"); // dma_buf_put()
    expect(m.trace.every((r) => r.ok)).toBe(true);
    m.dispose();
  });

  it("test_mock_attach: a dynamic attach asking for [mock_type_a] of the two_exp exporter gets mock_type_a", () => {
    const m = model();
    exportMock(m, [emapping("mock_type_a"), SGT]);
    const ops = { invalidateMappings() {}, supportsInterconnects: true, interconnects: imp("mock_type_a") };
    expect(m.attach({ buffer: "b", importer: "peer", as: "a", ops })).toEqual({ interconnect: "mock_type_a" });
    expect(m.attachments.get("a")!.interconnect).toBe("mock_type_a");
    m.detach("a");
    m.close("b");
    m.dispose();
  });

  it("a refused match changes nothing: the same attach after a skip-all is EINVAL with its message, and the model goes on", () => {
    const m = model();
    exportMock(m, [emapping("mock_type_a"), SGT]);
    mockMatchRet = "EOPNOTSUPP";
    const ops = { invalidateMappings() {}, supportsInterconnects: true, interconnects: imp("mock_type_a") };
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "peer", as: "a", ops }));
    expect(m.trace.at(-1)!.message).toBe("attach a: no mapping type matches: b offers [mock_type_a, sgt], peer accepts [mock_type_a] (dma_buf_match_mapping)");
    mockMatchRet = undefined;
    expect(m.attach({ buffer: "b", importer: "peer", as: "a", ops }).interconnect).toBe("mock_type_a");
    m.dispose();
  });
});
