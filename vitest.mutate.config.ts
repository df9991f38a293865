import { defineConfig } from "vitest/config";

/** The test set StrykerJS (`npm run mutate`) runs against each mutant. */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Left out: tests that only spawn the built CLI (dist/, which never holds a mutant),
    // the browser tests (dist/ too), the fuzz test (measured alone by `npm run
    // mutate:fuzz`), the 200,000-op coverage run, the planted bugs (they test the
    // fuzzer), and the 10^6-step limits and larger-than-a-string stream records, which
    // take minutes per run under instrumentation.
    exclude: [
      "test/browser/**", "test/cli/batch.test.ts", "test/cli/edges.test.ts", "test/readme.test.ts",
      "test/reliability/corpus.test.ts", "test/reliability/fuzz.test.ts", "test/reliability/limits.test.ts",
      "test/oracle/coverage.test.ts", "test/oracle/planted.test.ts", "test/output/stream.test.ts", "**/node_modules/**",
    ],
    // fewer fast-check runs per property (test/helpers.ts), so each mutant costs seconds
    env: { FC_RUNS: "25" },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
