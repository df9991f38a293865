// The explorer's server refuses what a hostile page or user asks (docs/web.md#the-server):
// symlinks out of the served folders, folders, another Host (DNS rebinding), methods
// other than GET and HEAD, slow or idle sockets, connections past the cap. Loopback only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type WebServer } from "../../ts/cli/web.js";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(server: WebServer, path: string, opts: { method?: string; host?: string } = {}): Promise<Answer> {
  const url = new URL(server.url);
  return new Promise((ok, fail) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: opts.method ?? "GET", headers: { host: opts.host ?? url.host }, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => ok({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on("error", fail);
    req.end();
  });
}

/** A raw socket to the server; resolves with everything it received once the server closes it. */
function raw(server: WebServer, send: string): { socket: Socket; closed: Promise<string> } {
  const url = new URL(server.url);
  const socket = connect(Number(url.port), url.hostname);
  let got = "";
  socket.setEncoding("utf8");
  socket.on("data", (c: string) => (got += c));
  socket.write(send);
  const closed = new Promise<string>((ok) => socket.on("close", () => ok(got)));
  socket.on("error", () => {});
  return { socket, closed };
}

describe("dmabuf-map web refuses hostile requests", () => {
  let dir: string;
  let server: WebServer;

  beforeAll(async () => {
    // a package root of its own: a served folder holding symlinks out, and a folder
    dir = mkdtempSync(join(tmpdir(), "dmabuf-web-"));
    const root = join(dir, "pkg");
    for (const d of ["web/sub", "scenarios", "docs"]) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, "package.json"), "{}");
    writeFileSync(join(root, "web/index.html"), "<!doctype html><p>explorer</p>");
    writeFileSync(join(root, "web/style.css"), "p{}");
    writeFileSync(join(root, "web/sub/inner.css"), "a{}");
    writeFileSync(join(root, "scenarios/a.json"), "{}");
    writeFileSync(join(dir, "secret.txt"), "the secret");
    mkdirSync(join(dir, "outside"));
    writeFileSync(join(dir, "outside/also-secret.txt"), "another secret");
    symlinkSync(join(dir, "secret.txt"), join(root, "web/leak.css"));
    symlinkSync(join(dir, "outside"), join(root, "web/out"));
    symlinkSync(join(root, "web/style.css"), join(root, "docs/inside.css")); // a symlink that stays inside
    server = await startServer(0, "127.0.0.1", { root, headersTimeout: 300, requestTimeout: 600, idleTimeout: 300, maxConnections: 3 });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves files inside the served folders, with CSP and nosniff", async () => {
    const r = await get(server, "/web/style.css");
    expect(r.status).toBe(200);
    expect(r.body).toBe("p{}");
    expect(r.headers["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(r.headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect((await get(server, "/web/sub/inner.css")).body).toBe("a{}");
    expect((await get(server, "/docs/inside.css")).body).toBe("p{}");
  });

  it("the page itself carries the CSP too", async () => {
    const r = await get(server, "/");
    expect(r.status).toBe(200);
    expect(r.headers["content-security-policy"]).toMatch(/script-src 'self'/);
  });

  it("a symlink to a file outside the served folders is 404", async () => {
    const r = await get(server, "/web/leak.css");
    expect(r.status).toBe(404);
    expect(r.body).not.toMatch(/secret/);
  });

  it("a symlinked folder outside the served folders is 404", async () => {
    const r = await get(server, "/web/out/also-secret.txt");
    expect(r.status).toBe(404);
    expect(r.body).not.toMatch(/secret/);
  });

  it("a folder is 404: no listings", async () => {
    for (const p of ["/web/", "/web/sub", "/scenarios/", "/web/out/"]) expect((await get(server, p)).status, p).toBe(404);
  });

  it("dot-dot and encoded dot-dot stay inside", async () => {
    for (const p of ["/web/../package.json", "/web/%2e%2e/package.json", "/web/..%2fpackage.json", "/package.json"]) {
      expect((await get(server, p)).status, p).toBe(404);
    }
  });

  it("a Host other than the bound address or localhost is 421", async () => {
    const port = new URL(server.url).port;
    for (const host of [
      "evil.example",
      `evil.example:${port}`,
      `127.0.0.1:${Number(port) + 1}`,
      "127.0.0.1",
      `localhost:${Number(port) + 1}`,
      `localhost.evil.example:${port}`,
    ]) {
      const r = await get(server, "/web/style.css", { host });
      expect(r.status, host).toBe(421);
      expect(r.body).not.toBe("p{}");
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "localhost", `LOCALHOST:${port}`])
      expect((await get(server, "/web/style.css", { host })).status, host).toBe(200);
  });

  it("a request without Host is refused", async () => {
    const { closed } = raw(server, "GET /web/style.css HTTP/1.0\r\n\r\n");
    const got = await closed;
    expect(got).toMatch(/^HTTP\/1\.[01] 421 /);
    expect(got).not.toMatch(/p\{\}/);
  });

  it("methods other than GET and HEAD are 405 with Allow", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const r = await get(server, "/web/style.css", { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe("GET, HEAD");
    }
  });

  it("HEAD answers the headers without a body", async () => {
    const r = await get(server, "/web/style.css", { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers["content-length"]).toBe("3");
    expect(r.body).toBe("");
  });

  it("headers that never finish are cut off (408, socket closed)", async () => {
    const { closed } = raw(server, "GET /web/style.css HTTP/1.1\r\nHost: localhost\r\n");
    expect(await closed).toMatch(/^HTTP\/1\.1 408 |^$/);
  });

  it("an idle keep-alive socket is closed", async () => {
    const { closed } = raw(server, "GET /web/style.css HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n");
    const got = await closed;
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
  });

  it("connections past the cap are closed at once", async () => {
    const held = [0, 1, 2].map(() => raw(server, ""));
    await new Promise((ok) => setTimeout(ok, 50));
    const extra = raw(server, "GET /web/style.css HTTP/1.1\r\nHost: localhost\r\n\r\n");
    expect(await extra.closed).toBe("");
    for (const h of held) h.socket.destroy();
  });
});
