import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The test set StrykerJS (`npm run mutate`) runs against each mutant: every test file that
 * exercises ts/core, ts/model or ts/scenario in-process and runs in seconds, cheapest first
 * (the order of a plain run, about 15 s in all). Stryker bails on a mutant's first failing
 * test, and test/mutate-runner.ts makes that stop immediate: the files after it are not
 * even imported.
 *
 * Left out: tests that only spawn the built CLI (dist/, which never holds a mutant: they
 * cannot kill one), the browser tests (dist/ too), the fuzz test (measured alone by `npm
 * run mutate:fuzz`), the 300,000-op coverage run and the planted bugs (they test the
 * fuzzer), and the multi-GiB and 10^6-step limits, which take minutes per run under
 * instrumentation.
 */
const files = [
  "test/layers.test.ts",
  "test/core/cores.test.ts",
  "test/exporters/fourth-interconnect.test.ts",
  "test/model/topology-validation.test.ts",
  "test/model/step-arguments.test.ts",
  "test/model/map-products.test.ts",
  "test/model/export-refusals.test.ts",
  "test/model/callbacks.test.ts",
  "test/model/notify.test.ts",
  "test/model/refusal-messages.test.ts",
  "test/model/inspection-and-cleanup.test.ts",
  "test/model/address.test.ts",
  "test/model/failure-paths.test.ts",
  "test/core/seam.test.ts",
  "test/model/api.test.ts",
  "test/model/profiles.test.ts",
  "test/model/hostile-ops.test.ts",
  "test/scenario/hostile-input.test.ts",
  "test/core/pages-hostile.test.ts",
  "test/scenario/profiles.test.ts",
  "test/oracle/reference.test.ts",
  "test/oracle/arguments.test.ts",
  "test/model/rules.test.ts",
  "test/scenario/golden.test.ts",
  "test/output/print.test.ts",
  "test/core/cursor.test.ts",
  "test/core/ops.property.test.ts",
  "test/exporters/contract.test.ts",
  "test/exporters/map-product-contract.test.ts",
  "test/scenario/ops.test.ts",
  "test/core/iova.test.ts",
  "test/output/entries.test.ts",
  "test/exporters/same-scenario.test.ts",
  "test/scenario/scenarios.test.ts",
  "test/scenario/json.test.ts",
  "test/scenario/bad-inputs.test.ts",
  "test/output/state.test.ts",
  "test/core/pages.test.ts",
  "test/scenario/names.test.ts",
  "test/core/args.property.test.ts",
  "test/reliability/sequences.test.ts",
  "test/core/containers.test.ts",
  "test/core/alloc.test.ts",
  "test/core/edges.test.ts",
];

const rank = (s: TestSpecification) => files.findIndex((f) => s.moduleId.endsWith(f));

/** Runs the files in the order above instead of vitest's longest-first. */
class CheapestFirst extends BaseSequencer {
  override async sort(specs: TestSpecification[]) {
    return [...specs].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: files,
    sequence: { sequencer: CheapestFirst },
    runner: "./test/mutate-runner.ts",
    // a file the runner no longer imports after a failure has no tests
    passWithNoTests: true,
    // one module graph for all files of a run: each file would otherwise re-import the
    // model and instantiate the core again, which costs more than most mutants' tests
    isolate: false,
    // fewer fast-check runs per property (test/helpers.ts), so each mutant costs seconds
    // and a 30,000-entry big list instead of 10^6 (test/core/edges.test.ts)
    env: { FC_RUNS: "25", BIG_N: "30000" },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
