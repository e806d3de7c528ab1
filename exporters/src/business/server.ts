// The business exporter: KPI events in (validated against opsdeck.yml, deduplicated, durable),
// pull collectors, Prometheus metrics out.
import type { Server } from "node:http";
import { resolve } from "node:path";
import { Counter, Gauge } from "prom-client";
import {
  closeServer,
  createApp,
  durableWriter,
  errorHandler,
  HttpError,
  listen,
  notFound,
  openJournal,
  parse,
  requireToken,
  route,
  type BusinessExporterConfig,
  type Logger,
  selfRegistry,
} from "@opsdeck/core";
import { CONTENT_TYPE } from "../lib/series.ts";
import { startCollectors } from "./collectors.ts";
import { batchSchema, createBusinessState, type EventRecord } from "./state.ts";

export interface BusinessExporter {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startBusinessExporter(
  cfg: BusinessExporterConfig,
  log: Logger,
  baseDir = process.cwd(),
): Promise<BusinessExporter> {
  const state = createBusinessState(cfg.metrics, { dedupIds: cfg.dedup_ids });
  const journal = await openJournal<EventRecord, ReturnType<typeof state.dump>>({
    dir: resolve(baseDir, cfg.data_dir),
    name: "events",
    apply: (r) => void state.apply(r),
    load: state.load,
    dump: state.dump,
  });
  log.info("business state loaded", { "opsdeck.replayed": journal.stats.replayed });

  const registry = selfRegistry();
  const events = new Counter({
    name: "opsdeck_business_events_total",
    help: "Business events received since start, by outcome (accepted, duplicate).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const rejected = new Counter({
    name: "opsdeck_business_requests_rejected_total",
    help: "Event requests answered with an error, by HTTP status code.",
    labelNames: ["code"],
    registers: [registry],
  });
  new Gauge({
    name: "opsdeck_business_label_overflow_events",
    help: 'Events whose label value was counted as "other" because the label reached max_values (since start).',
    registers: [registry],
    collect() {
      this.set(state.overflowed);
    },
  });
  const collectorRuns = new Counter({
    name: "opsdeck_business_collector_runs_total",
    help: "Pull collector runs by collector and result (success, failure).",
    labelNames: ["collector", "result"],
    registers: [registry],
  });
  const collectorLast = new Gauge({
    name: "opsdeck_business_collector_last_success_timestamp_seconds",
    help: "When each pull collector last succeeded.",
    labelNames: ["collector"],
    registers: [registry],
  });

  const write = durableWriter(journal, log);
  async function accept(records: EventRecord[]): Promise<number> {
    const fresh = records.filter((r) => state.apply(r));
    await write(fresh);
    events.inc({ outcome: "accepted" }, fresh.length);
    if (records.length > fresh.length) events.inc({ outcome: "duplicate" }, records.length - fresh.length);
    return fresh.length;
  }

  const app = createApp({ maxBodyBytes: cfg.max_body_bytes });
  app.get("/healthz", (_req, res) => res.json({ status: "ok" }));
  app.get(
    "/metrics",
    route(async (_req, res) => {
      res.type(CONTENT_TYPE).send(state.render() + (await registry.metrics()));
    }),
  );
  app.get("/api/v1/metrics", (_req, res) => res.json({ metrics: cfg.metrics }));
  app.post(
    "/api/v1/events",
    requireToken(cfg.token),
    route(async (req, res) => {
      const { events: raw } = parse(batchSchema, req.body);
      if (raw.length > cfg.max_batch) throw new HttpError(413, `batch too large: at most ${cfg.max_batch} events`);
      const { records, problems } = state.validate(raw);
      if (problems.length)
        throw new HttpError(400, `${problems[0].path}: ${problems[0].message}`, { issues: problems.slice(0, 100) });
      const accepted = await accept(records);
      res.json({ accepted, duplicates: records.length - accepted });
    }),
  );
  app.use(notFound());
  app.use(errorHandler(log, (code) => rejected.inc({ code: String(code) })));

  const labelNames = new Map(cfg.metrics.map((m) => [m.name, m.labels.map((l) => l.name)]));
  const stopCollectors = startCollectors(
    cfg.collectors,
    {
      labelNames: (m) => labelNames.get(m) ?? [],
      accept: async (r) => void (await accept(r)),
      result: (name, ok) => {
        collectorRuns.inc({ collector: name, result: ok ? "success" : "failure" });
        if (ok) collectorLast.set({ collector: name }, Date.now() / 1000);
      },
    },
    log,
  );

  const { server, url } = await listen(app, cfg.host, cfg.port);
  log.info("business exporter listening", { "url.full": url });
  return {
    server,
    url,
    async close() {
      stopCollectors();
      await closeServer(server);
      await journal.close();
    },
  };
}
