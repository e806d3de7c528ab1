// The portal's server: Next.js (the production build in portal/.next) behind a plain node:http
// server that serves the one route Next handles poorly at scale — the live event stream,
// /api/stream, held open by every tab (see src/lib/hub.ts) — and log imports, whose uploads
// stream to disk (imports.ts). Host and port come from opsdeck.yml.
// Run from its bundle: `node dist/portal-server.mjs` (scripts/build.ts).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import next from "next";
import { createLogger, portalSources, runMain, stopOnSignals } from "@opsdeck/core";
import { esClient } from "@opsdeck/core/elastic";
import { importRoutes } from "./src/features/logs/imports.ts";
import { GET as logContext } from "./src/features/logs/api/context.ts";
import { GET as logExport } from "./src/features/logs/api/export.ts";
import { GET as logSearch } from "./src/features/logs/api/search.ts";
import { GET as logTail } from "./src/features/logs/api/tail.ts";
import { config } from "./src/lib/config.ts";
import { serveStream } from "./src/features/live/hub.ts";
import { readSession, SESSION_COOKIE } from "./src/features/auth/session.ts";

/**
 * The log APIs, served here rather than through Next's router and proxy: measured, that path
 * added ~12 ms (50–70 %) to a 20 ms Elasticsearch search (docs/benchmarks.md). The handlers are
 * the same Web-standard route functions; this server checks the session first.
 */
const LOG_ROUTES: Record<string, (req: Request) => Promise<Response> | Response> = {
  "/api/logs/search": logSearch,
  "/api/logs/context": logContext,
  "/api/logs/tail": logTail,
  "/api/logs/export": logExport,
};

/** Runs a Web (Request → Response) handler on a node:http exchange, streaming the body. */
async function serveWeb(
  handler: (req: Request) => Promise<Response> | Response,
  req: IncomingMessage,
  res: ServerResponse,
  host: string,
  port: number,
) {
  const ac = new AbortController();
  res.on("close", () => ac.abort());
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const response = await handler(new Request(`http://${host}:${port}${req.url}`, { headers, signal: ac.signal }));
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return void res.end();
  const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
  res.on("close", () => body.destroy());
  body.pipe(res);
}

const cookie = (header: string | undefined, name: string) =>
  header
    ?.split(/;\s*/)
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1);

runMain(async () => {
  const cfg = config();
  const log = createLogger({ service: "portal", dataset: "opsdeck.portal", level: cfg.log.level });
  const { host, port } = cfg.portal;
  // The bundle lives in dist/; the Next app beside it in portal/.
  const dir = fileURLToPath(new URL("../portal/", import.meta.url));
  const app = next({ dev: false, dir, hostname: host, port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const imports = importRoutes(cfg, esClient(cfg));
  const session = (req: IncomingMessage) =>
    readSession(cookie(req.headers.cookie, SESSION_COOKIE), cfg.portal.session_secret);
  const server = createServer((req, res) => {
    if (req.method === "GET" && (req.url === "/api/stream" || req.url?.startsWith("/api/stream?"))) {
      void session(req).then((s) => {
        if (s) serveStream(req, res, portalSources(cfg));
        else res.writeHead(401, { "content-type": "application/json" }).end('{"error":"sign in first"}');
      });
      return;
    }
    const path = req.url?.split("?")[0] ?? "";
    const logRoute = req.method === "GET" ? LOG_ROUTES[path] : undefined;
    if (logRoute) {
      void session(req).then((s) =>
        s
          ? serveWeb(logRoute, req, res, host, port)
          : res.writeHead(401, { "content-type": "application/json" }).end('{"error":"sign in first"}'),
      );
      return;
    }
    if (req.url?.startsWith("/api/logs/imports")) {
      void session(req)
        .then((s) => imports(req, res, s))
        .then((handled) => handled || void handle(req, res));
      return;
    }
    void handle(req, res);
  });
  // An event stream never finishes; Node's default 5-minute request timeout must not cut it.
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  log.info(`portal listening on http://${host}:${port}`);
  stopOnSignals(log, async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});
