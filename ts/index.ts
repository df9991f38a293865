/**
 * dmabuf-map: a WebAssembly-cored model of Linux dma-buf exporters, importers,
 * interconnects and mappings, with range-list operations at native-like speed.
 *
 *   import { init, RangeList } from "dmabuf-map";
 *   await init();
 *   const list = RangeList.from([{ addr: 0x1000n, len: 0x2000n }]);
 */
export { init, initSync, getCore, createCore, createCoreSync, Core } from "./core/loader.js";
export type { CoreOptions, WasmSource, WasmBytes, WasmModule, WasmMemory, WasmResponse, WasmUrl } from "./core/loader.js";
export { DmaBufError, ERRNO, MODEL_CODES } from "./core/errors.js";
export type { ErrorCode } from "./core/errors.js";
export { RangeList } from "./core/range-list.js";
export type { Entry, EntryLike } from "./core/range-list.js";
export type { ChunkSummary } from "./core/chunks.js";
export { Container, CONTAINER_KINDS } from "./core/container.js";
export type { ContainerKind, ContainerOptions } from "./core/container.js";
export type { PageOptions, AppendOptions, Pages } from "./core/pages.js";
export { U64Buffer } from "./core/u64-buffer.js";
export { IovaAllocator } from "./core/iova.js";
export { hex, hex16, U64_MAX, UINT_MAX, PAGE } from "./core/u64.js";

// The dma-buf model and scenarios (no Node built-ins: this entry runs in browsers too).
export { DmaBufModel } from "./model/model.js";
export type { ExportArgs, AttachArgs, MapArgs, ModelOptions } from "./model/model.js";
export { Topology, P2P_PATHS } from "./model/topology.js";
export type { Device, Bar, HostBridge, Switch, P2PPath, TopologySpec, DeviceSpec } from "./model/topology.js";
export type {
  DmaBufOps,
  InterconnectOps,
  MatchContext,
  AttachmentView,
  BufferView,
  MapProduct,
  AddressSpace,
  ExporterFactory,
  ExporterFlags,
  BackingKind,
} from "./model/ops.js";
export { PROFILE_NAMES, PROFILE_ROWS, DEFAULT_PROFILE, profileRules } from "./model/profiles.js";
export type { ProfileName, ProfileRules, ProfileRow } from "./model/profiles.js";
export { checkOps, ADDRESS_SPACES } from "./model/ops.js";
export type { ImporterOps, InterconnectMatch, ImporterFlags } from "./model/importer.js";
export { INTERCONNECTS, BUILTIN_INTERCONNECTS, negotiate } from "./model/interconnects.js";
export type { InterconnectName, InterconnectDef } from "./model/interconnects.js";
export { sgtMap, physvecMap, iovMap } from "./model/address.js";
export type { MmioSplit } from "./model/address.js";
export type { Backing, BackingSpec } from "./model/buffer.js";
export type { TraceRecord, MapResult, NotifyResult, AttachResult, CallbackError, Op, StepResult, SyncResult, Warning } from "./model/trace.js";
export { DIRECTIONS, DEFAULT_DIRECTION } from "./model/direction.js";
export type { Direction } from "./model/direction.js";
export { DMA_DEBUG_RULES } from "./model/dma-debug.js";
export type { DebugRule, DebugCheckpoint } from "./model/dma-debug.js";
export type { ModelState, BufferState, AttachmentState, MappingState, IovaState, PairList } from "./model/state.js";
export { vfioExporter } from "./exporters/vfio.js";
export { systemHeapExporter } from "./exporters/heap.js";
export { rfcV2Exporter } from "./exporters/rfc-v2.js";
export { scenarioSchema, scenarioJsonSchema, LIMITS } from "./scenario/schema.js";
export type { Scenario, Step } from "./scenario/schema.js";
export { parseScenario, parseScenarioText, parseScenarioBytes, ScenarioError, formatPath, problemsJson, MAX_PROBLEMS } from "./scenario/validate.js";
export type { Issue } from "./scenario/validate.js";
export { runScenario } from "./scenario/runner.js";
export type { RunOutput, RunReport, StepRecord, StepDetail, RunOptions } from "./scenario/runner.js";
export { formatReport } from "./scenario/report.js";
export { compareScenario, compareSteps, writeCompareJson, writeCompareText } from "./scenario/compare.js";
export type { CompareRecord, CompareStep, ComparedStep } from "./scenario/compare.js";
export type { Style } from "./scenario/report.js";
export { DEMO_SCENARIO } from "./scenario/demo.js";
export { fnv1a64Bytes, fnv1a64Text } from "./core/hash.js";

// Bridges to a running kernel (docs/kernel.md): the state as debugfs bufinfo, a scenario from an ftrace capture.
export { bufinfo, bufinfoEntries, bufinfoEntriesOfState, formatBufinfo, scenarioBufinfo, BUFINFO_FLAGS, BUFINFO_MODE } from "./bridges/bufinfo.js";
export type { BufinfoEntry, BufinfoRun } from "./bridges/bufinfo.js";
export { importTrace, scenarioText, TraceImportError, SYNTHETIC_BASE } from "./bridges/trace.js";
export type { ImportedScenario, ImportedStep, ImportStats, TraceImport, ImportOptions } from "./bridges/trace.js";
export { parseTraceLine, MalformedLine, DMA_BUF_EVENTS, EVENT_CLASS, MAX_LINE, formatOf } from "./bridges/ftrace.js";
export type { TraceLine, EventFields, DmaBufEvent, EventClass } from "./bridges/ftrace.js";
