import { defineConfig } from "vitest/config";

/**
 * `npm test`: the contributor's suite, everything but the slow runs (`*.slow.test.ts`, which
 * `npm run test:all` adds through vitest.slow.config.ts). The time limit is there to end a
 * hang, not to judge speed: on a busy 2-core machine nothing here comes near it, and a test
 * that reaches it fails with "timed out", never with a wrong answer.
 */
export const SLOW = "test/**/*.slow.test.ts";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", SLOW],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    reporters: ["default"],
  },
});
