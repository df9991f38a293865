import { defineConfig } from "vitest/config";
import { SLOW } from "./vitest.config.js";

/**
 * The slow tier (`npm run test:all` runs it after `npm test`): the 300,000-op fuzz coverage,
 * multi-GiB lists, giant inputs and outputs, the sweep, cross-engine runs. Heavy work gets
 * no wall-clock limit that could decide a pass: the limit below only ends a hang (CI has
 * 90 minutes), and a test that reaches it says "timed out", not a wrong answer. One file
 * at a time, so two multi-GiB tests never share the machine's memory.
 */
export default defineConfig({
  test: {
    include: [SLOW],
    testTimeout: 2_400_000,
    hookTimeout: 2_400_000,
    fileParallelism: false,
    reporters: ["default"],
  },
});
