// @ts-check
/**
 * `npm run mutate:fuzz`: mutants of ts/model against the fuzz test alone
 * (test/reliability/fuzz.test.ts), to measure the differential fuzzer by itself.
 * Reports: reports/mutation/fuzz/.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
import base from "./stryker.config.mjs";

export default {
  ...base,
  vitest: { configFile: "vitest.fuzz.config.ts" },
  mutate: ["ts/model/**/*.ts"],
  incrementalFile: "reports/mutation/fuzz/stryker-incremental.json",
  htmlReporter: { fileName: "reports/mutation/fuzz/index.html" },
  jsonReporter: { fileName: "reports/mutation/fuzz/mutation.json" },
  thresholds: { high: 80, low: 70, break: null },
  // each fuzz test runs seconds of CPU; a wider margin keeps a busy machine from
  // passing slow runs off as timeouts (which would count as killed)
  timeoutMS: 10_000,
  tempDirName: ".stryker-tmp-fuzz",
};
