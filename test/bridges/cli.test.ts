// The bridges on the command line: exit codes, messages, help.
import { describe, expect, it } from "vitest";
import { cli, scen } from "../cli/spawn.js";

const ex = (f: string) => new URL(`../../examples/traces/${f}`, import.meta.url).pathname;

describe("import-trace", () => {
  it("a malformed line: exit 2, FILE:LINE and the reason, nothing on stdout", () => {
    const r = cli(["import-trace", "-"], "# tracer: nop\n  app-1 [000] ..... 1.000000: dma_buf_export: exp_name=system size=4096\n");
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.err).toBe("dmabuf-map: (stdin):2: malformed: dma_buf_export: fields do not follow its format (exp_name=%s size=%zu ino=%lu)\n");
  });

  it("no dma_buf event, a missing file, two operands, --name", () => {
    expect(cli(["import-trace", "-"], "# tracer: nop\n")).toMatchObject({
      code: 2,
      out: "",
      err: expect.stringMatching(/^dmabuf-map: \(stdin\): no dma_buf event in the trace/),
    });
    expect(cli(["import-trace", "/nonexistent/trace"]).code).toBe(2);
    expect(cli(["import-trace", "a", "b"]).err).toMatch(/at most 1 argument/);
    const r = cli(["import-trace", "--name", "mine", ex("compositor-system-heap.trace")]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).name).toBe("mine");
  });

  it("help: formats, examples and exit codes", () => {
    const h = cli(["import-trace", "--help"]).out;
    expect(h).toMatch(/Usage: dmabuf-map import-trace FILE\|- \[options\]/);
    expect(h).toMatch(/trace-cmd record -e dma_buf/);
    expect(h).toMatch(/Exit codes: 0 the scenario was printed, 2 a malformed line/);
    expect(cli(["--help"]).out).toMatch(/import-trace FILE\|-/);
  });
});

describe("run --bufinfo", () => {
  it("prints only the bufinfo text; exit 0", () => {
    const r = cli(["run", "--bufinfo", scen("move-notify.json")]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\nDma-buf Objects:\nsize {4}\tflags/);
    expect(r.out).toMatch(/\nTotal \d+ objects, \d+ bytes\n$/);
  });

  it("--bufinfo-at implies --bufinfo and checks its step", () => {
    expect(cli(["run", "--bufinfo-at", "0", scen("move-notify.json")]).out).toMatch(/^\nDma-buf Objects:\n.*\n\d{8}\t00000002\t00080003\t00000001\t/);
    expect(cli(["run", "--bufinfo-at", "9999", scen("move-notify.json")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--bufinfo-at 9999: .* has steps 0 to \d+/),
    });
    expect(cli(["run", "--bufinfo-at", "x", scen("move-notify.json")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--bufinfo-at takes a step number/),
    });
  });

  it("usage: one file, no other output format", () => {
    expect(cli(["run", "--bufinfo", "--json", scen("move-notify.json")])).toMatchObject({ code: 2, err: expect.stringMatching(/drop --json/) });
    expect(cli(["run", "--bufinfo", scen("move-notify.json"), scen("five-containers.json")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/one scenario FILE/),
    });
    expect(cli(["run", "--help"]).out).toMatch(/--bufinfo-at N/);
  });

  it("a failed expectation: exit 1, the text still printed; an invalid file: exit 2", () => {
    const bad = {
      name: "x",
      devices: { d: {} },
      steps: [
        {
          op: "export",
          buffer: "b",
          exporter: "d",
          size: "0x1000",
          backing: { kind: "system", ranges: [{ addr: "0x0", len: "0x1000" }] },
          expect: { error: "EINVAL" },
        },
      ],
    };
    const r = cli(["run", "--bufinfo", "-"], JSON.stringify(bad));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Total 1 objects, 4096 bytes\n$/);
    expect(cli(["run", "--bufinfo", "-"], JSON.stringify({ name: "x" })).code).toBe(2);
  });
});
