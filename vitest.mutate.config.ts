import { defineConfig } from "vitest/config";

/** The test set StrykerJS (`npm run mutate`) runs against each mutant. */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Left out: the browser tests run dist/, which a mutant of ts/ never reaches; the
    // 200,000-op coverage run and the planted bugs test the fuzzer, not the code under
    // mutation, and would cost about 30 s per mutant; test/output/stream.test.ts writes a
    // record larger than the longest JS string, minutes per run under instrumentation.
    exclude: ["test/browser/**", "test/oracle/coverage.test.ts", "test/oracle/planted.test.ts", "test/output/stream.test.ts", "**/node_modules/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
