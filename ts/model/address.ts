/**
 * The address rules (docs/rules.md#address-rules): the entries an exporter's map gives
 * importer I. Public helpers for exporters, like the kernel's dma_buf_phys_vec_to_sgt();
 * all list work (split, translate, IOVA allocation) runs in the wasm core.
 */
import { DmaBufError } from "../core/errors.js";
import { RangeList } from "../core/range-list.js";
import { UINT_MAX, u64 } from "../core/u64.js";
import type { Device, Topology } from "./topology.js";
import type { AddressSpace, BufferView, MapProduct } from "./ops.js";

const noRelease = () => {};
type Region = { addr: bigint; len: bigint };

/** Splits `segs` and disposes it; frees `release` if the split fails. */
function finish(segs: RangeList, space: AddressSpace, maxSeg: bigint, mask: bigint | undefined, release: () => void, regions?: Region[]): MapProduct {
  try {
    const product: MapProduct = { entries: segs.split(maxSeg, mask), space, release };
    if (regions) product.regions = regions;
    return product;
  } catch (e) {
    release();
    throw e;
  } finally {
    segs.dispose();
  }
}

/** `alloc()` in the IOVA space of `dev`; its ENOMEM names the map of `buf` and what found no hole. */
function iovaFor<T>(buf: BufferView, dev: Device, what: string, alloc: () => T): T {
  try {
    return alloc();
  } catch (e) {
    if ((e as DmaBufError).code === "ENOMEM") throw new DmaBufError("ENOMEM", `map ${buf.name} for ${dev.name}: IOVA space exhausted (no hole ${what})`);
    throw e;
  }
}

/** One IOVA region of `buf.size` holding the ranges laid out in order; ENOMEM names the map. */
function oneRegion(topo: Topology, buf: BufferView, dev: Device): { segs: RangeList; release: () => void; regions: Region[] } {
  const iova = topo.iova.get(dev.name)!;
  const size = buf.size;
  const at = iovaFor(buf, dev, `of 0x${size.toString(16)} bytes`, () => iova.alloc(size));
  const release = () => iova.free(at, size);
  try {
    return { segs: RangeList.from([[at, size]], iova.core), release, regions: [{ addr: at, len: size }] };
  } catch (e) {
    release();
    throw e;
  }
}

/**
 * How an mmio map is split (docs/rules.md#profiles row 6): the largest entry
 * (MAX_SG_ENT_SZ; UINT_MAX in the RFC) and the largest entry count (u32 in mainline's
 * calc_sg_nents; none in the RFC).
 */
export interface MmioSplit {
  maxSegment: bigint;
  maxEntries?: bigint | undefined;
}

const RFC_SPLIT: MmioSplit = { maxSegment: UINT_MAX };

/** calc_sg_nents(): EINVAL when `lens` cut at `max` give more than `limit` entries. */
function checkEntryCount(buf: BufferView, lens: Iterable<bigint>, split: MmioSplit): void {
  const limit = split.maxEntries;
  if (limit === undefined) return;
  let n = 0n;
  for (const len of lens) n += (len + split.maxSegment - 1n) / split.maxSegment;
  if (n > limit)
    throw new DmaBufError("EINVAL", `map ${buf.name}: ${n} sgt entries of at most 0x${split.maxSegment.toString(16)} bytes overflow the u32 entry count`);
}

/** The lengths of a range list's entries. */
function* lengths(ranges: RangeList): IterableIterator<bigint> {
  const w = ranges.view();
  for (let i = 1; i < w.length; i += 2) yield w[i]!;
}

/** sgt map (map_dma_buf / dma_buf_phys_vec_to_sgt) of `buf` for importer `dev`; `mmio` is the split of an mmio backing. */
export function sgtMap(topo: Topology, buf: BufferView, dev: Device, mmio: MmioSplit = RFC_SPLIT): MapProduct {
  const { ranges, kind, bar } = buf.backing;
  if (kind === "system") {
    if (dev.iommu) {
      const r = oneRegion(topo, buf, dev);
      return finish(r.segs, "iova", dev.maxSegmentSize, dev.segBoundaryMask, r.release, r.regions);
    }
    return finish(ranges.translate(0n), "cpu-phys", dev.maxSegmentSize, dev.segBoundaryMask, noRelease);
  }
  const path = topo.p2pPath(buf.exporter, dev);
  const max = mmio.maxSegment;
  switch (path) {
    case "BUS_ADDR":
      checkEntryCount(buf, lengths(ranges), mmio);
      return finish(ranges.translate(u64(bar!.bus - bar!.cpu)), "bus", max, undefined, noRelease);
    case "THRU_HOST_BRIDGE": {
      if (!dev.iommu) {
        checkEntryCount(buf, lengths(ranges), mmio);
        return finish(ranges.translate(0n), "cpu-phys", max, undefined, noRelease);
      }
      try {
        const r = oneRegion(topo, buf, dev);
        try {
          checkEntryCount(buf, [buf.size], mmio);
        } catch (e) {
          r.segs.dispose();
          r.release();
          throw e;
        }
        return finish(r.segs, "iova", max, undefined, r.release, r.regions);
      } catch (e) {
        if ((e as DmaBufError).code !== "ENOMEM") throw e;
      }
      // no hole for the whole buffer: each range gets its own region (dma_map_phys)
      checkEntryCount(buf, lengths(ranges), mmio);
      const iova = topo.iova.get(dev.name)!;
      const list = iovaFor(buf, dev, "for the buffer, nor for each range", () => iova.mapEach(ranges));
      return finish(
        list.translate(0n),
        "iova",
        max,
        undefined,
        () => {
          iova.unmapEach(list);
          list.dispose();
        },
        list.entries(),
      );
    }
    case "NOT_SUPPORTED":
      throw new DmaBufError("EINVAL", `map ${buf.name}: no P2P path from ${buf.exporter.name} to ${dev.name} (NOT_SUPPORTED)`);
  }
}

/** physvec map: the CPU physical backing ranges plus the P2P provider. */
export function physvecMap(buf: BufferView): MapProduct {
  const { ranges, bar } = buf.backing;
  const product: MapProduct = { entries: ranges.translate(0n), space: "cpu-phys", release: noRelease };
  if (bar) product.provider = { owner: buf.exporter.id, busOffset: u64(bar.bus - bar.cpu) };
  return product;
}

/** iov map: BAR-relative offsets and the BAR number. */
export function iovMap(buf: BufferView): MapProduct {
  const { ranges, bar } = buf.backing;
  if (!bar) throw new DmaBufError("EINVAL", `map ${buf.name}: iov needs mmio backing (the buffer was moved to system memory)`);
  return { entries: ranges.translate(u64(-bar.cpu)), space: "bar-offset", barNumber: bar.index, release: noRelease };
}
