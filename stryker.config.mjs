// @ts-check
/**
 * Mutation testing of ts/model, ts/scenario and ts/core (`npm run mutate`, not part of
 * npm test). Reports: reports/mutation/ (git-ignored). Incremental: reruns only mutants
 * whose code or tests changed since the last run.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  // related: false: the covering tests (perTest coverage) already name the files to run;
  // vitest's related-file search would walk the module graph again for every mutant
  vitest: { configFile: "vitest.mutate.config.ts", related: false },
  mutate: ["ts/model/**/*.ts", "ts/scenario/**/*.ts", "ts/core/**/*.ts", "!ts/core/wasm-bytes.ts", "!ts/core/abi.ts"],
  coverageAnalysis: "perTest",
  // Mutants of module-level code (zod schemas, constant tables) need every test rerun
  // with a fresh module graph: half the mutants, 90% of the time. They are reported as
  // ignored; the score covers the code that runs inside functions.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 5_000,
  dryRunTimeoutMinutes: 20,
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  reporters: ["html", "json", "clear-text", "progress"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  thresholds: { high: 85, low: 80, break: null },
  ignorePatterns: ["reports", "test-artifacts", "bench/results", ".stryker-tmp"],
  tempDirName: ".stryker-tmp",
  // vitest does not type-check, so mutants need no @ts-nocheck; and Stryker's tsconfig
  // rewriting calls the TypeScript 5 API, which TypeScript 7 (tsc here) does not have.
  disableTypeChecks: false,
  tsconfigFile: "tsconfig.stryker-none.json",
  cleanTempDir: true,
};
