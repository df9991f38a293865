/**
 * `npm run web`: serves the explorer on http://127.0.0.1:8080 (PORT or --port to
 * change; 0 picks a free port). Static files only, from a fixed set of folders.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import { readFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: the nearest folder above this file holding package.json (works from dist/ and from source). */
function packageRoot(): string {
  let dir = new URL("./", import.meta.url);
  while (!existsSync(new URL("package.json", dir))) {
    const up = new URL("../", dir);
    if (up.href === dir.href) throw new Error("package.json not found above the server");
    dir = up;
  }
  return fileURLToPath(dir);
}

const ROOT = packageRoot();
const ALLOWED = ["/web/", "/dist/ts/", "/dist/web/", "/node_modules/zod/", "/scenarios/", "/schemas/", "/build/"];
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

async function send(res: ServerResponse, file: string): Promise<void> {
  const body = await readFile(file);
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
  res.end(body);
}

export async function startServer(port = 8080, host = "127.0.0.1"): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      if (path === "/" || path === "/index.html") return await send(res, join(ROOT, "web/index.html"));
      if (path === "/scenarios/index.json") {
        const files = (await readdir(join(ROOT, "scenarios"))).filter((f) => f.endsWith(".json")).sort();
        res.writeHead(200, { "content-type": TYPES[".json"]! });
        res.end(JSON.stringify(files));
        return;
      }
      const clean = normalize(path);
      if (clean.includes("..") || !ALLOWED.some((p) => clean.startsWith(p))) {
        res.writeHead(404).end("not found");
        return;
      }
      await send(res, join(ROOT, clean));
    } catch {
      if (!res.headersSent) res.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((ok) => server.listen(port, host, ok));
  const addr = server.address();
  const url = `http://${host}:${typeof addr === "object" && addr ? addr.port : port}/`;
  return { url, server, close: () => new Promise((ok) => server.close(() => ok())) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--port");
  const port = Number(i > 0 ? process.argv[i + 1] : (process.env.PORT ?? 8080));
  const { url } = await startServer(port);
  process.stderr.write(`dmabuf-map explorer: ${url} (Ctrl+C to stop)\n`);
}
