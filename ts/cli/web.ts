/**
 * `dmabuf-map web [--port N] [--open]` (and `npm run web`): serves the explorer from
 * the package itself. The page is one bundle (dist/web/explorer.js, built by esbuild
 * with zod and the wasm inside), so nothing is read from node_modules. Static files
 * only, from a fixed set of folders, on 127.0.0.1.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import { readFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { spawn } from "node:child_process";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { DmaBufError } from "../core/errors.js";

/** The package root: the nearest folder above this file holding package.json (from dist/ or from source). */
function packageRoot(): string {
  let dir = new URL("./", import.meta.url);
  while (!existsSync(new URL("package.json", dir))) {
    const up = new URL("../", dir);
    if (up.href === dir.href) throw new Error("package.json not found above the server");
    dir = up;
  }
  return fileURLToPath(dir);
}

const ALLOWED = ["/web/", "/dist/web/", "/scenarios/", "/schemas/", "/build/", "/docs/"];
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".map": "application/json",
};

/** A markdown doc as a page: its text preformatted, its `<a id>` anchors live (links to docs/rules.md#lifecycle land there). */
function mdPage(md: string): string {
  const esc = md.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const body = esc.replace(/&lt;a id="([\w-]+)"&gt;&lt;\/a&gt;/g, '<a id="$1"></a>');
  return `<!doctype html><meta charset="utf-8"><title>dmabuf-map docs</title><pre style="white-space:pre-wrap;font:13px/1.5 ui-monospace,monospace;max-width:110ch;margin:2em auto">${body}</pre>`;
}

async function send(res: ServerResponse, file: string): Promise<void> {
  if (extname(file) === ".md") {
    res.writeHead(200, { "content-type": TYPES[".html"]!, "cache-control": "no-store", "x-content-type-options": "nosniff" });
    res.end(mdPage(await readFile(file, "utf8")));
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

export interface WebServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves the explorer on `host:port` (0 picks a free port). A port in use or not
 * allowed is a DmaBufError naming `--port` (the CLI prints one line, exit 2).
 */
export async function startServer(port = 8080, host = "127.0.0.1"): Promise<WebServer> {
  const root = packageRoot();
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      if (path === "/" || path === "/index.html") return await send(res, join(root, "web/index.html"));
      if (path === "/scenarios/index.json") {
        const files = (await readdir(join(root, "scenarios"))).filter((f) => f.endsWith(".json")).sort();
        res.writeHead(200, { "content-type": TYPES[".json"]!, "cache-control": "no-store" });
        res.end(JSON.stringify(files));
        return;
      }
      const clean = normalize(path);
      if (clean.includes("..") || clean.includes("\0") || !ALLOWED.some((p) => clean.startsWith(p))) {
        res.writeHead(404).end("not found");
        return;
      }
      await send(res, join(root, clean));
    } catch {
      if (!res.headersSent) res.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "EADDRINUSE" ? "is in use" : e.code === "EACCES" ? "is not allowed for this user" : `cannot be used (${e.code ?? e.message})`;
      fail(new DmaBufError(e.code === "EADDRINUSE" ? "EBUSY" : "EINVAL", `--port ${port}: ${host}:${port} ${why}; pick another with --port N (0 picks a free one)`));
    });
    server.listen(port, host, ok);
  });
  const addr = server.address();
  const url = `http://${host}:${typeof addr === "object" && addr ? addr.port : port}/`;
  return { url, server, close: () => new Promise((ok) => server.close(() => ok())) };
}

/** Opens `url` in the desktop's browser; a failure is a notice, not an error. */
function openBrowser(url: string, log: (s: string) => void): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(cmd, [url], { stdio: "ignore", detached: true });
    child.on("error", () => log(`dmabuf-map: could not start ${cmd}; open ${url} yourself\n`));
    child.unref();
  } catch {
    log(`dmabuf-map: could not start ${cmd}; open ${url} yourself\n`);
  }
}

/** The `web` command: serves until interrupted (the server keeps the process alive). */
export async function runWebCli(opts: { port: number; open: boolean }, log: (s: string) => void = (s) => void process.stderr.write(s)): Promise<number> {
  const { url } = await startServer(opts.port);
  log(`dmabuf-map explorer: ${url} (Ctrl+C to stop)\n`);
  if (opts.open) openBrowser(url, log);
  return 0;
}
