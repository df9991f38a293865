/**
 * Rule bugs planted one at a time in a test-only wrapper around the model: the
 * differential fuzzer must catch each within 20,000 ops as a difference from the
 * reference, and shrink it to a small scenario that shows the bug.
 */
import { describe, expect, it } from "vitest";
import { DmaBufModel, type MapArgs, type ModelOptions } from "../../ts/model/model.js";
import type { TopologySpec } from "../../ts/model/topology.js";
import type { NotifyResult } from "../../ts/model/trace.js";
import type { Direction } from "../../ts/model/direction.js";
import type { BackingSpec } from "../../ts/model/buffer.js";
import { Container } from "../../ts/core/container.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { U64_MAX, UINT_MAX, u64 } from "../../ts/core/u64.js";
import type { Core } from "../../ts/core/loader.js";
import { checkSteps, fuzz, isDifference, type ModelMaker } from "../../ts/fuzz/fuzz.js";
import { parseScenario } from "../../ts/scenario/validate.js";
import { core } from "../helpers.js";

/** map/unmap/pin/unpin go ahead when nobody holds the lock (the EPERM row gone). */
class NoLockRule extends DmaBufModel {
  private unlocked<T>(attachment: string | undefined, f: () => T): T {
    const a = attachment === undefined ? undefined : this.attachments.get(attachment);
    const lock = a && !a.detached && !a.buffer.closed ? a.buffer.lock : undefined;
    if (!lock || lock.holder !== undefined) return f();
    lock.holder = a!.importer;
    try {
      return f();
    } finally {
      lock.holder = undefined;
    }
  }
  override map(args: MapArgs) {
    return this.unlocked(args.attachment, () => super.map(args));
  }
  override unmap(name: string, direction?: Direction) {
    return this.unlocked(this.mappings.get(name)?.attachment.name, () => super.unmap(name, direction));
  }
  override pin(name: string) {
    return this.unlocked(name, () => super.pin(name));
  }
  override unpin(name: string) {
    return this.unlocked(name, () => super.unpin(name));
  }
}

class RevokeKeepsAccess extends DmaBufModel {
  override revoke(buffer: string): NotifyResult {
    const r = super.revoke(buffer);
    this.buffers.get(buffer)!.revoked = false;
    return r;
  }
}

class AcsIgnored extends DmaBufModel {
  constructor(core: Core, topo: TopologySpec, opts: ModelOptions) {
    super(core, topo, opts);
    for (const s of this.topology.switches.values()) s.acsRedirect = false;
  }
}

/** A static importer's map does not add to the buffer's pin count (and its unmap does not take it back). */
class PinOnMapUncounted extends DmaBufModel {
  override map(args: MapArgs) {
    const r = super.map(args);
    const m = this.mappings.get(args.as)!;
    if (m.pinnedOnMap) m.attachment.buffer.pins--;
    return r;
  }
  override unmap(name: string) {
    super.unmap(name);
    const m = this.mappings.get(name)!;
    if (m.pinnedOnMap) m.attachment.buffer.pins++;
  }
}

class SegmentLimitsIgnored extends DmaBufModel {
  constructor(core: Core, topo: TopologySpec, opts: ModelOptions) {
    super(core, topo, opts);
    for (const d of this.topology.devices.values()) {
      d.maxSegmentSize = UINT_MAX;
      d.segBoundaryMask = U64_MAX;
    }
  }
}

class EalreadyAsEbusy extends DmaBufModel {
  override lock(buffer: string, holder: string) {
    try {
      super.lock(buffer, holder);
    } catch (e) {
      if ((e as DmaBufError).code !== "EALREADY") throw e;
      this.trace[this.trace.length - 1]!.error = "EBUSY";
      throw new DmaBufError("EBUSY", (e as Error).message);
    }
  }
}

class DetachWithPins extends DmaBufModel {
  override detach(name: string) {
    const a = this.attachments.get(name);
    const pins = a?.pins ?? 0;
    if (a) a.pins = 0;
    try {
      super.detach(name);
    } finally {
      if (a && !a.detached) a.pins = pins;
    }
  }
}

class NeverStale extends DmaBufModel {
  private fresh(r: NotifyResult): NotifyResult {
    for (const n of r.stale) this.mappings.get(n)!.stale = false;
    r.stale.length = 0;
    return r;
  }
  override move(buffer: string, backing: BackingSpec) {
    return this.fresh(super.move(buffer, backing));
  }
  override revoke(buffer: string) {
    return this.fresh(super.revoke(buffer));
  }
}

class BusOffsetNegated extends DmaBufModel {
  override map(args: MapArgs) {
    const r = super.map(args);
    const m = this.mappings.get(args.as)!;
    const provider = m.container.kind === "physvec" ? m.container.header().provider : undefined;
    if (provider) {
      const list = m.container.toList();
      const negated = Container.fromList("physvec", list, { provider: { owner: provider.owner, busOffset: u64(-provider.busOffset) } });
      list.dispose();
      m.container.dispose();
      (m as { container: Container }).container = negated;
    }
    return r;
  }
}

/** Mainline's idempotent revoke (docs/rules.md#profiles row 1) forgotten: a revoked buffer is revoked and notified again. */
class RevokeTwiceNotifies extends DmaBufModel {
  override revoke(buffer: string): NotifyResult {
    const b = this.buffers.get(buffer);
    const was = b !== undefined && !b.closed && b.revoked;
    if (was) b.revoked = false;
    try {
      return super.revoke(buffer);
    } catch (e) {
      if (was) b.revoked = true;
      throw e;
    }
  }
}

/** dma-debug: an unmap's direction dropped (the map's used), so check_unmap's rule never fires. */
class UnmapDirectionDropped extends DmaBufModel {
  override unmap(name: string) {
    super.unmap(name);
  }
}

/** dma-debug: no leak report when the run ends. */
class LeaksUnreported extends DmaBufModel {
  override endOfRun() {
    return [];
  }
}

/** The scenario's profile ignored: every epoch runs the RFC's rules, whatever the reference's profile table says. */
class ProfileIgnored extends DmaBufModel {
  constructor(core: Core, topo: TopologySpec, opts: ModelOptions) {
    super(core, topo, { ...opts, profile: "rfc-v2" });
  }
}

const BUGS: [string, new (core: Core, topo: TopologySpec, opts: ModelOptions) => DmaBufModel][] = [
  ["mainline's second revoke notifying again", RevokeTwiceNotifies],
  ["the profile ignored", ProfileIgnored],
  ["the lock rule removed", NoLockRule],
  ["revoke not setting revoked", RevokeKeepsAccess],
  ["ACS redirect ignored", AcsIgnored],
  ["pin-on-map not counted", PinOnMapUncounted],
  ["segment limits ignored", SegmentLimitsIgnored],
  ["EALREADY reported as EBUSY", EalreadyAsEbusy],
  ["detach with pins allowed", DetachWithPins],
  ["mappings never stale", NeverStale],
  ["physvec bus offset negated", BusOffsetNegated],
  ["an unmap's direction dropped", UnmapDirectionDropped],
  ["no leak report at the end", LeaksUnreported],
];

describe("the differential fuzzer catches planted rule bugs", () => {
  it.each(BUGS)("%s: a difference from the reference within 20,000 ops, shrunk to a small scenario", (_bug, Model) => {
    const r = fuzz(core(), { seed: 1, ops: 20_000, model: (c, t, exporter) => new Model(c, t, { exporter }) });
    expect(r.differences).toBe(1);
    expect(isDifference(r.violations[0]!)).toBe(true);
    const repro = parseScenario(r.repro);
    expect(repro.steps.length).toBeLessThanOrEqual(12);
    // the shrunk scenario still shows the bug, and only with it
    expect(fuzzSteps(repro, (c, t, exporter) => new Model(c, t, { exporter }))).toBe(1);
    expect(fuzzSteps(repro, (c, t, exporter) => new DmaBufModel(c, t, { exporter }))).toBe(0);
  });

  it("the unplanted model agrees with the reference on the same 20,000 ops", () => {
    const r = fuzz(core(), { seed: 1, ops: 20_000 });
    expect(r.differences).toBe(0);
    expect(r.violations).toEqual([]);
  });
});

/** Differences from the reference when the repro's steps run on `model`. */
function fuzzSteps(s: ReturnType<typeof parseScenario>, model: ModelMaker): number {
  return checkSteps(core(), s, s.steps, model).filter(isDifference).length;
}
