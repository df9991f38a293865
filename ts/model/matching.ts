/**
 * Negotiation at attach (docs/rules.md#negotiation, and docs/rules.md#profiles for the
 * mapping-types rows): which interconnect (mapping type) an attachment gets.
 *
 * - Importer order (`rfc-v2`, `mainline`): the first name in the importer's list that
 *   the buffer offers and accepts wins; none is EOPNOTSUPP.
 * - Exporter priority (`mapping-types`, the RFC's dma_buf_match_mapping() in
 *   drivers/dma-buf/dma-buf-mapping.c, patch 01/26 "dma-buf: Introduce DMA-buf mapping
 *   types"): walk the exporter's list and, for each entry, the importer's; the first
 *   pair of the same type whose match accepts wins. A match that skips (EOPNOTSUPP)
 *   tries the next pair; any other code aborts with it. No pair, or an empty list on
 *   either side, is EINVAL.
 *
 * Every call into the exporter's code goes through userCode (ts/model/calls.ts).
 */
import { DmaBufError } from "../core/errors.js";
import type { Topology } from "./topology.js";
import type { AttachedBuffer } from "./attachment.js";
import type { AttachmentView, DmaBufOps, InterconnectOps, MatchContext } from "./ops.js";
import type { InterconnectMatch } from "./importer.js";
import type { ProfileRules } from "./profiles.js";
import { userCode } from "./calls.js";
import { notThenable } from "./untrusted.js";

/** What negotiation gives the attachment: the interconnect and its exporter ops (null: the table's classic mapDmaBuf). */
export interface Negotiated {
  readonly name: string;
  readonly ops: InterconnectOps | null;
}

/**
 * The core's checks of the importer's own request (lifecycle row L5), before any
 * negotiation: peer2peer or a non-sgt interconnect from a static importer, or a non-sgt
 * interconnect without allowIc, is EINVAL.
 */
function checkRequest(a: AttachmentView, matches: readonly InterconnectMatch[], what: string): void {
  const nonSgt = matches.some((m) => m.name !== "sgt");
  if (!a.dynamic && a.peer2peer) throw new DmaBufError("EINVAL", `${what}: peer2peer needs a dynamic importer (one with move_notify)`);
  if (!a.dynamic && nonSgt) throw new DmaBufError("EINVAL", `${what}: interconnects other than sgt need a dynamic importer`);
  if (nonSgt && !a.allowIc) throw new DmaBufError("EINVAL", `${what}: interconnects other than sgt need allowIc`);
}

/**
 * The exporter's list under exporter priority: its `mappingTypes`, or for a classic
 * table its interconnects and then sgt through mapDmaBuf (the RFC's compat match for
 * exporters without match_mapping, dma_buf_sgt_exp_compat_match, which always accepts).
 */
function exporterList(ops: DmaBufOps): Negotiated[] {
  if (ops.mappingTypes) return ops.mappingTypes.map((ic) => ({ name: ic.name, ops: ic }));
  return [...(ops.interconnects ?? []).map((ic) => ({ name: ic.name, ops: ic })), { name: "sgt", ops: null }];
}

/** One pair's verdict: true accepts, false skips; an abort throws its DmaBufError. */
function accepts(b: AttachedBuffer, ic: InterconnectOps | null, ctx: MatchContext): boolean {
  const who = `exporter ${b.ops.name} of ${b.name}`;
  if (ic?.match) {
    try {
      const r: unknown = userCode(`${who}: interconnect ${ic.name}'s match`, () => ic.match!(ctx));
      if (r !== undefined)
        throw new DmaBufError("EPROTO", `${who}: interconnect ${ic.name}'s match returned a value: it returns nothing to accept and throws EOPNOTSUPP to skip`);
    } catch (e) {
      if (e instanceof DmaBufError && e.code === "EOPNOTSUPP") return false;
      throw e;
    }
    return true;
  }
  const test = ic?.supportsInterconnects;
  if (!test) return true;
  return !!userCode(`${who}: supportsInterconnects`, () =>
    notThenable(`interconnect ${ic.name}'s supportsInterconnects`, test.call(ic, ctx.attach, ctx.importerMatch)),
  );
}

/** The winner's finishMatch, if it has one (the RFC's finish_match). */
function finish(b: AttachedBuffer, won: Negotiated, ctx: MatchContext): Negotiated {
  const f = won.ops?.finishMatch;
  if (f) {
    const r: unknown = userCode(`exporter ${b.ops.name} of ${b.name}: interconnect ${won.name}'s finishMatch`, () => f.call(won.ops, ctx));
    if (r !== undefined) throw new DmaBufError("EPROTO", `exporter ${b.ops.name} of ${b.name}: interconnect ${won.name}'s finishMatch returned a value`);
  }
  return won;
}

/**
 * Negotiates attachment `a` of buffer `b` for the importer's ordered `matches`, under
 * the profile's rules, after the core's checks of the request (L5): exporter priority
 * (EINVAL when nothing matches) or importer order (EOPNOTSUPP). Throws a match's abort
 * code as it is.
 */
export function negotiateAttach(
  rules: ProfileRules,
  b: AttachedBuffer,
  a: AttachmentView,
  matches: readonly InterconnectMatch[],
  dma: Topology,
  what: string,
): Negotiated {
  checkRequest(a, matches, what);
  const ctx = (i: number, j: number): MatchContext => ({ attach: a, importerMatch: matches[j]!, exporterIndex: i, importerIndex: j, dma });
  const asked = matches.map((m) => m.name).join(", ");
  if (rules.exporterPriority) {
    const exp = exporterList(b.ops);
    for (let i = 0; i < exp.length; i++) {
      for (let j = 0; j < matches.length; j++) {
        if (exp[i]!.name === matches[j]!.name && accepts(b, exp[i]!.ops, ctx(i, j))) return finish(b, exp[i]!, ctx(i, j));
      }
    }
    const offered = exp.map((e) => e.name).join(", ") || "none";
    throw new DmaBufError(
      "EINVAL",
      `${what}: no mapping type matches: ${b.name} offers [${offered}], ${a.importer} accepts [${asked}] (dma_buf_match_mapping)`,
    );
  }
  for (let j = 0; j < matches.length; j++) {
    const m = matches[j]!;
    if (m.name === "sgt") return { name: "sgt", ops: null };
    const i = b.ops.interconnects?.findIndex((x) => x.name === m.name) ?? -1;
    const ic = b.ops.interconnects?.[i];
    if (ic && accepts(b, ic, ctx(i, j))) return finish(b, { name: m.name, ops: ic }, ctx(i, j));
  }
  throw new DmaBufError("EOPNOTSUPP", `${what}: ${b.name} supports none of ${asked} for ${a.importer}`);
}
