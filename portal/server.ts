// The portal's server: Next.js (the production build in portal/.next) behind a plain node:http
// server that serves the one route Next handles poorly at scale — the live event stream,
// /api/stream, held open by every tab (see src/lib/hub.ts) — and log imports, whose uploads
// stream to disk (imports.ts). Host and port come from opsdeck.yml.
// Run from its bundle: `node dist/portal-server.mjs` (scripts/build.ts).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import next from "next";
import { createLogger, logUnhandledErrors, portalSources, runMain, stopOnSignals, type Logger } from "@opsdeck/core";
import { esClient } from "@opsdeck/core/elastic";
import { importRoutes } from "./src/features/logs/imports.ts";
import { GET as logContext } from "./src/features/logs/api/context.ts";
import { GET as logExport } from "./src/features/logs/api/export.ts";
import { GET as logSearch } from "./src/features/logs/api/search.ts";
import { GET as logTail } from "./src/features/logs/api/tail.ts";
import { config } from "./src/lib/config.ts";
import { API } from "./api-routes.ts";
import { serveStream, startLiveStream } from "./src/features/live/hub.ts";
import {
  clientAddress,
  CLIENT_ADDRESS_HEADER,
  resolveProxies,
  trustedList,
} from "./src/features/auth/client-address.ts";
import { cookieValue, readSession, SESSION_COOKIE } from "./src/features/auth/session.ts";

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
  { host, port, log }: { host: string; port: number; log: Logger },
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
  // A body that fails midway (Elasticsearch gone, the point in time expired while the client
  // stalled) ends the response abruptly, so the client sees an incomplete download, not a crash.
  body.on("error", (err) => {
    log.warn("response stream failed", { error: err, "url.path": req.url?.split("?")[0] });
    res.destroy();
  });
  body.pipe(res);
}

/**
 * Node's requestTimeout would also cut a large log upload on a slow link, so the server has
 * none and each request gets its own: `limitMs` to arrive, or — for an upload — as long as it
 * keeps moving (a minute without a byte ends it).
 */
function limitArrival(req: IncomingMessage, res: ServerResponse, limitMs: number, upload: boolean) {
  if (upload) {
    req.socket.setTimeout(60_000, () => req.destroy());
    req.once("end", () => req.socket.setTimeout(0));
    return;
  }
  if (req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete) return;
    if (!res.headersSent) res.writeHead(408, { "content-type": "application/json", connection: "close" });
    res.end('{"error":"the request took too long to arrive"}');
    req.destroy();
  }, limitMs);
  timer.unref();
  req.once("end", () => clearTimeout(timer));
  req.once("close", () => clearTimeout(timer));
}

/** Answers an /api request Next would answer with HTML; true if it did. */
function refuseUnknownApi(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (!path.startsWith("/api/")) return false;
  const allowed = API.find(([pattern]) => pattern.test(path))?.[1];
  const answer = (status: number, error: string, headers: Record<string, string> = {}) =>
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ error }));
  if (!allowed) return (answer(404, `no API at ${path}`), true);
  const method = req.method === "HEAD" ? "GET" : (req.method ?? "");
  if (!allowed.includes(method))
    return (
      answer(405, `${req.method} is not allowed here; use ${allowed.join(" or ")}`, { allow: allowed.join(", ") }),
      true
    );
  return false;
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

runMain(async () => {
  const cfg = config();
  const log = createLogger({ service: "portal", dataset: "opsdeck.portal", level: cfg.log.level });
  logUnhandledErrors(log);
  const { host, port } = cfg.portal;
  // The bundle lives in dist/; the Next app beside it in portal/.
  const dir = fileURLToPath(new URL("../portal/", import.meta.url));
  const app = next({ dev: false, dir, hostname: host, port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const imports = importRoutes(cfg, esClient(cfg));
  const session = (req: IncomingMessage) => readSession(cookieValue(req.headers.cookie, SESSION_COOKIE));
  // The trusted proxies, names looked up again every 30 s (Docker may give nginx a new address).
  let trusted = { proxies: [] as string[], list: trustedList([]) };
  const refreshTrusted = async () => {
    const proxies = config().portal.trusted_proxies;
    trusted.proxies = proxies; // once per change of the config, not once per request
    const list = trustedList(await resolveProxies(proxies));
    if (trusted.proxies === proxies) trusted = { proxies, list };
  };
  await refreshTrusted();
  setInterval(() => void refreshTrusted().catch(() => {}), 30_000).unref();
  if (cfg.portal.shared_redis) startLiveStream(portalSources(cfg));
  const server = createServer((req, res) => {
    // Every response, also those this server answers itself (the stream, log APIs, imports, its
    // errors); Next's pages replace the CSP with their own, nonce-based one (src/proxy.ts).
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const portal = config().portal;
    if (trusted.proxies !== portal.trusted_proxies) void refreshTrusted();
    // Whoever the client is, as sign-in throttling needs it; a client cannot set this itself.
    const forwardedFor = req.headers["x-forwarded-for"];
    req.headers[CLIENT_ADDRESS_HEADER] = clientAddress(
      req.socket.remoteAddress,
      Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor,
      trusted.list,
    );
    const upload = req.method === "POST" && (req.url ?? "").split("?")[0] === "/api/logs/imports";
    limitArrival(req, res, portal.request_timeout_seconds * 1000, upload);
    if (refuseUnknownApi(req, res, (req.url ?? "/").split("?")[0])) return;
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
      void session(req)
        .then((s) =>
          s
            ? serveWeb(logRoute, req, res, { host, port, log })
            : res.writeHead(401, { "content-type": "application/json" }).end('{"error":"sign in first"}'),
        )
        .catch((err) => {
          log.error("log request failed", { error: err, "url.path": path });
          if (res.headersSent) res.destroy();
          else res.writeHead(500, { "content-type": "application/json" }).end('{"error":"internal error"}');
        });
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
  server.requestTimeout = 0; // per request instead: limitArrival
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  log.info(`portal listening on http://${host}:${port}`);
  stopOnSignals(log, async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});
