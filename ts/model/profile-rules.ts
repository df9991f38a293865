/**
 * The parts of the profile rows (docs/rules.md#profiles) that need more than a
 * lookup: revoke's wait for unmaps (row 5) and the sub-range of a physvec map (row 8).
 * The model calls them when its profile's row says so.
 */
import { DmaBufError } from "../core/errors.js";
import type { RangeList } from "../core/range-list.js";
import type { Buffer } from "./buffer.js";
import type { Attachment, Mapping } from "./attachment.js";
import { hex, PAGE } from "../core/u64.js";
import type { MapArgs } from "./api-args.js";
import type { ProfileRules } from "./profiles.js";

/** How many names an EDEADLK message lists before "and N more". */
const LISTED = 8;

/**
 * Row 5: revoke marks the buffer revoked, notifies, then waits until every mapping of
 * the buffer is unmapped (dma_buf_invalidate_mappings()'s revoke sequence, vfio's
 * wait_for_completion()). A mapping whose importer does not unmap on invalidate would
 * remain, and the revoke would never return: EDEADLK naming those mappings, before
 * anyone is notified.
 */
export function requireAllUnmapped(b: Buffer, what: string): void {
  const remain: Mapping[] = [];
  for (const a of b.eachAttachment()) for (const m of a.live) if (!(a.unmapOnInvalidate && m.hasUnmap)) remain.push(m);
  if (!remain.length) return;
  remain.sort((x, y) => x.seq - y.seq);
  const names =
    remain
      .slice(0, LISTED)
      .map((m) => m.name)
      .join(", ") + (remain.length > LISTED ? ` and ${remain.length - LISTED} more` : "");
  throw new DmaBufError(
    "EDEADLK",
    `${what}: the revoke would wait forever: mapping(s) ${names} would stay mapped (their importers do not unmap on invalidate)`,
  );
}

/**
 * Row 8: the entries of `list` covering exactly [offset, offset + length); disposes
 * `list`. It cannot fail: checkProduct made sure the entries cover the buffer, and the
 * model checked that the range lies inside it.
 */
export function sliceOf(list: RangeList, range: { offset: bigint; length: bigint }): RangeList {
  try {
    return list.slice(range.offset, range.length);
  } finally {
    list.dispose();
  }
}

/** A map's `range` (row 8): EINVAL unless the profile has sub-range maps, the map is physvec, and it lies page aligned inside the buffer. */
export function subRange(a: Attachment, range: MapArgs["range"], what: string, rules: ProfileRules, profile: string): MapArgs["range"] {
  if (range === undefined) return undefined;
  const fail = (msg: string): never => {
    throw new DmaBufError("EINVAL", `${what}: range ${msg}`, ["range"]);
  };
  if (!rules.subRangeMap) fail(`is refused in profile ${profile} (sub-range maps are iommufd's, in mainline)`);
  if (a.interconnect !== "physvec") fail(`is only for physvec maps (${a.name} negotiated ${a.interconnect})`);
  const { offset, length } = range;
  const size = a.buffer.size;
  if (!length || offset % PAGE || length % PAGE) fail("offset and length must be page aligned, and length not 0");
  if (offset >= size || length > size - offset) fail(`[${hex(offset)}, +${hex(length)}) is not inside the buffer's ${hex(size)} bytes`);
  return range;
}
