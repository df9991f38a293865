import { VitestTestRunner } from "vitest/runners";

type Source = Parameters<VitestTestRunner["importFile"]>[1];
type Suite = Parameters<VitestTestRunner["onBeforeRunSuite"]>[0];
type Task = Parameters<VitestTestRunner["onBeforeRunTask"]>[0];

/**
 * The vitest runner of `npm run mutate` (vitest.mutate.config.ts): once a test fails
 * under `bail` (Stryker sets it for every mutant's run), the rest of the run is skipped
 * in the worker itself, and the test files still to come are not even imported.
 *
 * vitest's own bail skips the tests that are left, but still imports every file after the
 * failing one, and each import evaluates that file's module graph (the model, the core,
 * zod): the larger part of a killed mutant's run. The mutant is killed at the first
 * failing test: nothing after it can change the result.
 * Without `bail` (a plain `vitest run -c vitest.mutate.config.ts`) this is vitest's runner.
 */
export default class StopAtFirstFailure extends VitestTestRunner {
  private failed = false;

  override importFile(filepath: string, source: Source): unknown {
    // a file that is not imported has no tests: it counts as neither passed nor failed
    // (passWithNoTests in the config)
    if (this.failed && source === "collect") return undefined;
    return super.importFile(filepath, source);
  }

  override async onBeforeRunSuite(suite: Suite): Promise<void> {
    if (this.failed) suite.mode = "skip";
    return super.onBeforeRunSuite(suite);
  }

  override async onBeforeRunTask(test: Task): Promise<void> {
    if (this.failed) test.mode = "skip";
    return super.onBeforeRunTask(test);
  }

  override onAfterRunTask(test: Task): void {
    if (this.config.bail && test.result?.state === "fail") this.failed = true;
    super.onAfterRunTask(test);
  }
}
