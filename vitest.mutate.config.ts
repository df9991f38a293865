import { defineConfig } from "vitest/config";

/**
 * The test set StrykerJS runs against each mutant: every in-process test. The browser
 * tests drive dist/ through Chromium and cannot see a mutant of ts/, so they are left out.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/browser/**", "**/node_modules/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
