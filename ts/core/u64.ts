/** u64 helpers shared by the core facade, the model and the scenario format. */
import { u64Arg } from "./args.js";

/** 2^64 - 1: the largest address or length (u64) the core accepts. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** 2^32 - 1 (the kernel's UINT_MAX): the model's default DMA max segment size (dma_get_max_seg_size). */
export const UINT_MAX = 0xffff_ffffn;
/** The page size in bytes (4096), as a bigint: buffer sizes and backing ranges are multiples of it. */
export const PAGE = 4096n;

/** `0x` + lowercase hex without leading zeros ("0x0" for zero) of a u64. */
export function hex(v: bigint): string {
  return "0x" + u64Arg(v, "hex", "v").toString(16);
}

/** `0x` + exactly 16 lowercase hex digits (hashes) of a u64. */
export function hex16(v: bigint): string {
  return "0x" + u64Arg(v, "hex16", "v").toString(16).padStart(16, "0");
}

/** Reduces to u64 (two's complement for negatives). */
export function u64(v: bigint | number): bigint {
  return BigInt.asUintN(64, BigInt(v));
}
