// The skeleton every OpsDeck HTTP service shares: an express app with /healthz and /metrics,
// the process metrics registry, a counter of rejected requests, journals written durably, 404
// and error answers, listen, and a close that stops in the right order (the service's own
// timers and streams, then the server, then the journals).
import type { Server } from "node:http";
import type { Express, RequestHandler } from "express";
import { Counter, type Registry } from "prom-client";
import { durableWriter } from "./durable.ts";
import { closeServer, createApp, errorHandler, listen, notFound, route } from "./http.ts";
import { openJournal, type Journal, type JournalOptions } from "./journal.ts";
import type { Logger } from "./log.ts";
import { selfRegistry } from "./self-metrics.ts";

export interface ServiceOptions {
  /** As people say it: "deploy exporter" (logged as "<name> listening"). */
  name: string;
  log: Logger;
  maxBodyBytes: number;
  /** A counter of requests answered with an error, by status code, e.g. opsdeck_deploy_requests_rejected_total. */
  rejected?: { name: string; help: string };
  /** What /metrics serves ahead of the process metrics: the service's own exposition. */
  exposition?: { contentType: string; render: () => string };
  /** Extra fields of the /healthz answer. */
  health?: () => Record<string, unknown>;
  /** Runs before every route, /healthz and /metrics included (an agent's basic auth). */
  guard?: RequestHandler;
  /** Serve HTTPS with this certificate and key. */
  tls?: { cert: Buffer; key: Buffer };
}

export interface RunningService {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface Service {
  app: Express;
  /** The service's own metrics: process_*, nodejs_* and what it registers here. */
  registry: Registry;
  /** Opens a journal whose `write` resolves once records are on disk (or stops the process). */
  openJournal<R, S>(
    options: JournalOptions<R, S>,
  ): Promise<{ journal: Journal<R>; write: (records: R[]) => Promise<void> }>;
  /** Runs before the server closes: timers, streams, pumps. */
  onClose(hook: () => void | Promise<void>): void;
  /** Mounts the 404 and error handlers after the service's routes, and listens. */
  listen(host: string, port: number): Promise<RunningService>;
}

export function createService(options: ServiceOptions): Service {
  const { log } = options;
  const registry = selfRegistry();
  const rejected =
    options.rejected && new Counter({ ...options.rejected, labelNames: ["code"], registers: [registry] });
  const journals: Journal<unknown>[] = [];
  const hooks: (() => void | Promise<void>)[] = [];

  const app = createApp({ maxBodyBytes: options.maxBodyBytes });
  if (options.guard) app.use(options.guard);
  app.get("/healthz", (_req, res) => res.json({ status: "ok", ...options.health?.() }));
  app.get(
    "/metrics",
    route(async (_req, res) => {
      const own = options.exposition;
      res.type(own?.contentType ?? registry.contentType).send((own?.render() ?? "") + (await registry.metrics()));
    }),
  );

  return {
    app,
    registry,
    async openJournal(journalOptions) {
      const journal = await openJournal(journalOptions);
      journals.push(journal as Journal<unknown>);
      return { journal, write: durableWriter(journal, log) };
    },
    onClose: (hook) => void hooks.push(hook),
    async listen(host, port) {
      app.use(notFound());
      app.use(errorHandler(log, rejected && ((code) => rejected.inc({ code: String(code) }))));
      const { server, url } = await listen(app, host, port, options.tls);
      log.info(`${options.name} listening`, { "url.full": url });
      return {
        server,
        url,
        async close() {
          for (const hook of hooks) await hook();
          await closeServer(server);
          for (const journal of journals) await journal.close();
        },
      };
    },
  };
}
