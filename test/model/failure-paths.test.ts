// Failures from below the model that no input can cause (the core out of memory, a core
// bug): each fails the step with the core's own code, gives back what it took, and is not
// mistaken for a rule the user broke. The core calls are made to fail with vi.spyOn.
import { afterEach, describe, expect, it, vi } from "vitest";
import { RangeList } from "../../ts/core/range-list.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { world, fails, MMIO, SYSTEM } from "./world.js";

afterEach(() => void vi.restoreAllMocks());

/** Makes the next RangeList.from of a single IOVA region (address.ts oneRegion) throw `code`. */
function regionListFails(code: "ENOMEM" | "EFAULT") {
  const from = RangeList.from.bind(RangeList);
  let armed = true;
  return vi.spyOn(RangeList, "from").mockImplementation((entries, core) => {
    if (armed && Array.isArray(entries) && entries.length === 1) {
      armed = false;
      throw new DmaBufError(code, `RangeList.from: ${code}`);
    }
    return from(entries, core);
  });
}

describe("a map whose IOVA region list cannot be made", () => {
  it("system buffer through an IOMMU: ENOMEM, and the IOVA region it took is free again", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    m.attach({ buffer: "b", importer: "mmu", as: "a" });
    const spy = regionListFails("ENOMEM");
    fails(m, "ENOMEM", () => m.map({ attachment: "a", as: "m" }));
    expect(spy).toHaveBeenCalled();
    expect(m.topology.iova.get("mmu")!.pristine()).toBe(true);
    vi.restoreAllMocks();
    expect(m.map({ attachment: "a", as: "m" }).nelms).toBe(1); // and the next try gets the space
    m.dispose();
  });

  it("mmio through the host bridge: a failure other than ENOMEM is not taken for a full IOVA space", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    m.attach({ buffer: "b", importer: "mmu", as: "a", dynamic: true, peer2peer: true });
    m.lock("b", "mmu");
    regionListFails("EFAULT");
    // not the per-range fallback, which only ENOMEM (no hole for the whole buffer) calls for
    fails(m, "EFAULT", () => m.map({ attachment: "a", as: "m" }));
    expect(m.topology.iova.get("mmu")!.pristine()).toBe(true);
    m.unlock("b", "mmu");
    m.dispose();
  });

  it("mmio through the host bridge: ENOMEM falls back to one IOVA region per range", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    m.attach({ buffer: "b", importer: "mmu", as: "a", dynamic: true, peer2peer: true });
    m.lock("b", "mmu");
    regionListFails("ENOMEM");
    expect(m.map({ attachment: "a", as: "m" }).nelms).toBe(2);
    expect(m.topology.iova.get("mmu")!.stats().regions).toBe(2);
    m.unlock("b", "mmu");
    m.dispose();
  });
});

describe("an export whose backing check fails in the core", () => {
  it("a core error other than EINVAL is passed on, not reported as a bad backing", () => {
    const m = world();
    vi.spyOn(RangeList.prototype, "validate").mockImplementation(() => {
      throw new DmaBufError("EFAULT", "validate: EFAULT");
    });
    const before = m.core.usage();
    fails(m, "EFAULT", () => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() }));
    expect(m.core.usage()).toEqual(before); // the backing's list was freed
    m.dispose();
  });
});
