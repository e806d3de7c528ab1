// The HTTP edge every OpsDeck service shares: JSON bodies, zod validation, token auth, errors.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from "express";
import type { z } from "zod";
import type { Logger } from "./log.ts";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

declare module "http" {
  interface IncomingMessage {
    /** The body exactly as received, for signatures (GitHub's X-Hub-Signature-256). */
    rawBody?: Buffer;
  }
}

/**
 * An express app that parses every request body as JSON whatever its Content-Type (CI scripts
 * often `curl -d` without one) and keeps the raw bytes for signature checks.
 */
export function createApp(opts: { maxBodyBytes: number }): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(
    express.json({
      limit: opts.maxBodyBytes,
      type: () => true,
      strict: false,
      verify: (req, _res, buf) => {
        req.rawBody = buf;
      },
    }),
  );
  return app;
}

function digest(s: string) {
  return createHash("sha256").update(s).digest();
}

/** Constant-time comparison: hashing first makes the lengths equal and hides the length. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Requires `Authorization: Bearer <token>`; with `allowQuery`, also `?token=` for senders that
 * can only configure a URL.
 */
export function requireToken(token: string | undefined, opts: { allowQuery?: boolean } = {}): RequestHandler {
  return (req, _res, next) => {
    if (!token) return next(new HttpError(503, "writes are disabled: no token is configured for this service"));
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const query = opts.allowQuery && typeof req.query.token === "string" ? req.query.token : undefined;
    const given = m?.[1].trim() ?? query;
    if (given === undefined) return next(new HttpError(401, "missing token: send Authorization: Bearer <token>"));
    if (!safeEqual(given, token)) return next(new HttpError(401, "invalid token"));
    next();
  };
}

export interface FieldIssue {
  path: string;
  message: string;
}

export function zodIssues(error: z.ZodError, prefix: (string | number)[] = []): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path].map(String).join(".") || "(body)",
    message: i.message,
  }));
}

/** Parses with a zod schema, or throws a 400 that names each field and its problem. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where = "body"): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = zodIssues(r.error);
  const first = issues[0];
  throw new HttpError(400, `${where}: ${first.path}: ${first.message}`, { issues });
}

/** Wraps an async handler so a thrown error reaches the error handler. */
export const route =
  (fn: (req: Request, res: express.Response) => Promise<unknown> | unknown): RequestHandler =>
  (req, res, next) => {
    Promise.resolve(fn(req, res)).catch(next);
  };

/** Turns every error into a JSON answer; logs server errors; never echoes secrets. */
export function errorHandler(log: Logger, onStatus?: (status: number) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let body: Record<string, unknown> = { error: "internal error" };
    if (err instanceof HttpError) {
      status = err.status;
      body = { error: err.message, ...err.details };
    } else if (err?.type === "entity.parse.failed") {
      status = 400;
      body = { error: `invalid JSON: ${err.message}` };
    } else if (err?.type === "entity.too.large") {
      status = 413;
      body = { error: `body too large: the limit is ${err.limit} bytes` };
    } else if (err?.type === "encoding.unsupported" || err?.type === "charset.unsupported") {
      status = 415;
      body = { error: err.message };
    } else if (typeof err?.status === "number" && err.status >= 400 && err.status < 500) {
      status = err.status;
      body = { error: err.message };
    }
    onStatus?.(status);
    if (status >= 500) log.error("request failed", { error: err, "url.path": req.path });
    else log.debug("request rejected", { "url.path": req.path, "http.response.status_code": status });
    if (!res.headersSent) res.status(status).json(body);
  };
}

export function notFound(): RequestHandler {
  return (req, _res, next) => next(new HttpError(404, `no route for ${req.method} ${req.path}`));
}

/** Listens and tells the URL it got (port 0 picks a free one). */
export function listen(
  app: Express,
  host: string,
  port: number,
  tls?: { cert: Buffer; key: Buffer },
): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    // An HTTPS server is an HTTP server on TLS: the same close and connection handling apply.
    const server = tls ? (createHttpsServer(tls, app).listen(port, host) as unknown as Server) : app.listen(port, host);
    server.once("listening", () => {
      const addr = server.address();
      const scheme = tls ? "https" : "http";
      resolve({ server, url: `${scheme}://${host}:${typeof addr === "object" && addr ? addr.port : port}` });
    });
    server.once("error", reject);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
