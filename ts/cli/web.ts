/**
 * `dmabuf-map web [--port N] [--open]` (and `npm run web`): serves the explorer from
 * the package itself. The page is one bundle (dist/web/explorer.js, built by esbuild
 * with zod and the wasm inside), so nothing is read from node_modules. Static files
 * only, from a fixed set of folders (by real path), on 127.0.0.1, GET and HEAD only,
 * for its own Host only, with timeouts and a connection cap (docs/web.md#the-server).
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import { readFile, readdir, realpath, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { spawn } from "node:child_process";
import { extname, join, normalize, sep } from "node:path";
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

/** The folders served below the package root (their real paths bound every file served). */
const SERVED = ["web", "dist/web", "scenarios", "schemas", "build", "docs"];
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

/**
 * Sent with every answer (docs/web.md#the-server). The page runs its own bundle and workers
 * only; wasm is compiled from bytes inside the bundle ('wasm-unsafe-eval'); markdown
 * pages are styled by one inline attribute.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
};

/** The limits of the server (docs/web.md#the-server); tests pass small ones. */
export interface ServerLimits {
  /** Time to receive a request's headers (ms): then 408 and the socket closes. */
  headersTimeout: number;
  /** Time to receive a whole request (ms). */
  requestTimeout: number;
  /** An idle keep-alive socket is closed after this long (ms). */
  idleTimeout: number;
  /** Open connections at most; a connection past the cap is closed at once. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: ServerLimits = { headersTimeout: 10_000, requestTimeout: 30_000, idleTimeout: 5_000, maxConnections: 32 };

/** A markdown doc as a page: its text preformatted, its `<a id>` anchors live (links to docs/rules.md#lifecycle land there). */
function mdPage(md: string): string {
  const esc = md.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const body = esc.replace(/&lt;a id="([\w-]+)"&gt;&lt;\/a&gt;/g, '<a id="$1"></a>');
  return `<!doctype html><meta charset="utf-8"><title>dmabuf-map docs</title><pre style="white-space:pre-wrap;font:13px/1.5 ui-monospace,monospace;max-width:110ch;margin:2em auto">${body}</pre>`;
}

function answer(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "content-length": String(Buffer.byteLength(body)), ...extra });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

const notFound = (res: ServerResponse) => answer(res, 404, "text/plain; charset=utf-8", "not found\n");

/**
 * The real path of `path` (URL path, decoded) if it is a regular file whose real path
 * lies inside one of `served` (real paths): symlinks out of the folders, folders
 * themselves (no listings) and anything else are undefined.
 */
async function servedFile(root: string, served: readonly string[], path: string): Promise<string | undefined> {
  if (path.includes("\0")) return undefined;
  const clean = normalize(path);
  if (clean.split(/[\\/]/).includes("..")) return undefined;
  const real = await realpath(join(root, clean)).catch(() => undefined);
  if (!real || !served.some((d) => real.startsWith(d + sep))) return undefined;
  return (await stat(real)).isFile() ? real : undefined;
}

async function send(res: ServerResponse, file: string): Promise<void> {
  if (extname(file) === ".md") return answer(res, 200, TYPES[".html"]!, mdPage(await readFile(file, "utf8")));
  answer(res, 200, TYPES[extname(file)] ?? "application/octet-stream", await readFile(file));
}

/** The Host values the server answers: its bound address and port, or localhost (with or without the port). */
function hostsFor(host: string, port: number): Set<string> {
  const h = host.includes(":") ? `[${host}]` : host;
  return new Set([`${h}:${port}`, `localhost:${port}`, "localhost"]);
}

export interface WebServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves the explorer on `host:port` (0 picks a free port). A port in use or not
 * allowed is a DmaBufError naming `--port` (the CLI prints one line, exit 2). Refuses:
 * a Host other than the bound address:port or localhost[:port] (421, against DNS
 * rebinding), a method other than GET and HEAD (405 with Allow), a path whose real
 * path is outside the served folders or is a folder (404).
 */
export async function startServer(port = 8080, host = "127.0.0.1", opts: Partial<ServerLimits> & { root?: string } = {}): Promise<WebServer> {
  const root = opts.root ?? packageRoot();
  const lim = { ...DEFAULT_LIMITS, ...opts };
  const served = (await Promise.all(SERVED.map((d) => realpath(join(root, d)).catch(() => undefined)))).filter((d): d is string => !!d);
  let hosts = new Set<string>();
  const server = createServer(
    {
      headersTimeout: lim.headersTimeout,
      requestTimeout: lim.requestTimeout,
      keepAliveTimeout: lim.idleTimeout,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, lim.headersTimeout / 4)),
      maxHeaderSize: 16 * 1024,
    },
    async (req, res) => {
      try {
        if (!hosts.has((req.headers.host ?? "").toLowerCase()))
          return answer(res, 421, "text/plain; charset=utf-8", "misdirected request: this server answers only its own address or localhost\n");
        if (req.method !== "GET" && req.method !== "HEAD") return answer(res, 405, "text/plain; charset=utf-8", "method not allowed\n", { allow: "GET, HEAD" });
        const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
        if (path === "/" || path === "/index.html") return await send(res, join(root, "web/index.html"));
        if (path === "/scenarios/index.json") {
          const files = (await readdir(join(root, "scenarios"))).filter((f) => f.endsWith(".json")).sort();
          return answer(res, 200, TYPES[".json"]!, JSON.stringify(files));
        }
        const file = await servedFile(root, served, path);
        if (!file) return notFound(res);
        await send(res, file);
      } catch {
        if (!res.headersSent) notFound(res);
      }
    },
  );
  server.maxConnections = lim.maxConnections;
  server.setTimeout(lim.requestTimeout + lim.idleTimeout, (socket) => socket.destroy());
  await new Promise<void>((ok, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "EADDRINUSE" ? "is in use" : e.code === "EACCES" ? "is not allowed for this user" : `cannot be used (${e.code ?? e.message})`;
      fail(
        new DmaBufError(
          e.code === "EADDRINUSE" ? "EBUSY" : "EINVAL",
          `--port ${port}: ${host}:${port} ${why}; pick another with --port N (0 picks a free one)`,
        ),
      );
    });
    server.listen(port, host, ok);
  });
  const addr = server.address();
  const bound = typeof addr === "object" && addr ? addr.port : port;
  hosts = hostsFor(host, bound);
  const url = `http://${host}:${bound}/`;
  return {
    url,
    server,
    close: () =>
      new Promise((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
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
