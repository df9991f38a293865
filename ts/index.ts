/**
 * dmabuf-map: a WebAssembly-cored model of Linux dma-buf exporters, importers,
 * interconnects and mappings, with range-list operations at native-like speed.
 *
 *   import { init, RangeList } from "dmabuf-map";
 *   await init();
 *   const list = RangeList.from([{ addr: 0x1000n, len: 0x2000n }]);
 */
export { init, initSync, getCore, createCore, createCoreSync, Core } from "./core/loader.js";
export type { CoreExports, CoreOptions, WasmSource } from "./core/loader.js";
export { DmaBufError, ERRNO, MODEL_CODES } from "./core/errors.js";
export type { ErrorCode } from "./core/errors.js";
export { RangeList } from "./core/range-list.js";
export type { Entry, EntryLike } from "./core/range-list.js";
export { Container, CONTAINER_KINDS } from "./core/container.js";
export type { ContainerKind, ContainerOptions } from "./core/container.js";
export { IovaAllocator } from "./core/iova.js";
export { hex, hex16, U64_MAX, UINT_MAX, PAGE } from "./core/u64.js";
