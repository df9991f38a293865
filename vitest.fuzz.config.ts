import { defineConfig } from "vitest/config";

/** The fuzz test alone (`npm run mutate:fuzz`): how strong the differential fuzzer is by itself. */
export default defineConfig({
  test: {
    include: ["test/reliability/fuzz.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
