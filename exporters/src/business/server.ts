// The business exporter: KPI events in (validated against opsdeck.yml, deduplicated, durable),
// pull collectors, Prometheus metrics out.
import { resolve } from "node:path";
import { Counter, Gauge } from "prom-client";
import {
  createService,
  HttpError,
  parse,
  requireToken,
  route,
  type BusinessExporterConfig,
  type Logger,
  type RunningService,
} from "@opsdeck/core";
import { CONTENT_TYPE } from "../lib/series.ts";
import { beaconRecords, beaconSchema, MAX_BEACON_BYTES, rumMetricDefs } from "../rum/beacon.ts";
import { rumScript } from "../rum/script.ts";
import { startCollectors } from "./collectors.ts";
import { batchSchema, createBusinessState, type EventRecord } from "./state.ts";

export type BusinessExporter = RunningService;

export async function startBusinessExporter(
  config: BusinessExporterConfig,
  log: Logger,
  baseDir = process.cwd(),
): Promise<BusinessExporter> {
  // The apps' KPIs, and real users' page-load timings (rum/): one journal, one dedupe, one exposition.
  const state = createBusinessState([...config.metrics, ...rumMetricDefs(config.rum)], {
    dedupIds: config.dedup_ids,
    maxFutureSkewMs: config.max_future_skew_seconds * 1000,
  });
  const service = createService({
    name: "business exporter",
    log,
    maxBodyBytes: config.max_body_bytes,
    rejected: {
      name: "opsdeck_business_requests_rejected_total",
      help: "Event requests answered with an error, by HTTP status code.",
    },
    exposition: { contentType: CONTENT_TYPE, render: () => state.render() },
  });
  const { journal, write } = await service.openJournal<EventRecord, ReturnType<typeof state.dump>>({
    dir: resolve(baseDir, config.data_dir),
    name: "events",
    apply: (record) => void state.apply(record),
    load: state.load,
    dump: state.dump,
  });
  log.info("business state loaded", { "opsdeck.replayed": journal.stats.replayed });

  const registers = [service.registry];
  const events = new Counter({
    name: "opsdeck_business_events_total",
    help: "Business events received since start, by outcome (accepted, duplicate).",
    labelNames: ["outcome"],
    registers,
  });
  new Gauge({
    name: "opsdeck_business_label_overflow_events",
    help: 'Events whose label value was counted as "other" because the label reached max_values (since start).',
    registers,
    collect() {
      this.set(state.overflowed);
    },
  });
  const collectorRuns = new Counter({
    name: "opsdeck_business_collector_runs_total",
    help: "Pull collector runs by collector and result (success, failure).",
    labelNames: ["collector", "result"],
    registers,
  });
  const collectorLastSuccess = new Gauge({
    name: "opsdeck_business_collector_last_success_timestamp_seconds",
    help: "When each pull collector last succeeded.",
    labelNames: ["collector"],
    registers,
  });

  async function accept(records: EventRecord[]): Promise<number> {
    const fresh = records.filter((record) => state.apply(record));
    await write(fresh);
    events.inc({ outcome: "accepted" }, fresh.length);
    if (records.length > fresh.length) events.inc({ outcome: "duplicate" }, records.length - fresh.length);
    return fresh.length;
  }

  const { app } = service;
  app.get("/api/v1/metrics", (_req, res) => res.json({ metrics: config.metrics }));
  app.post(
    "/api/v1/events",
    requireToken(config.token),
    route(async (req, res) => {
      const { events: raw } = parse(batchSchema, req.body);
      if (raw.length > config.max_batch)
        throw new HttpError(413, `batch too large: at most ${config.max_batch} events`);
      const { records, problems } = state.validate(raw);
      if (problems.length)
        throw new HttpError(400, `${problems[0].path}: ${problems[0].message}`, { issues: problems.slice(0, 100) });
      const accepted = await accept(records);
      res.json({ accepted, duplicates: records.length - accepted });
    }),
  );

  // A browser's beacon: no token (a page cannot keep one), so its labels are only the configured
  // ones and the front door limits each client's rate (provisioning/nginx). 204 once on disk.
  const beacons = new Counter({
    name: "opsdeck_rum_beacons_total",
    help: "Page-load beacons from browsers, by outcome (accepted, duplicate, invalid).",
    labelNames: ["outcome"],
    registers,
  });
  app.post(
    "/api/v1/rum",
    route(async (req, res) => {
      try {
        if ((req.rawBody?.length ?? 0) > MAX_BEACON_BYTES)
          throw new HttpError(413, `a beacon is at most ${MAX_BEACON_BYTES} bytes`);
        if (!config.rum.apps.length) throw new HttpError(404, "no site is listed under exporters.business.rum.apps");
        const records = beaconRecords(config.rum, parse(beaconSchema, req.body));
        const fresh = records.filter((record) => state.apply(record));
        await write(fresh);
        beacons.inc({ outcome: fresh.length ? "accepted" : "duplicate" });
      } catch (err) {
        beacons.inc({ outcome: "invalid" });
        throw err;
      }
      res.status(204).end();
    }),
  );
  // The browser script (web-vitals inside), with the sample rate; cached for an hour.
  app.get("/rum.js", (_req, res) => {
    res.type("application/javascript").set("cache-control", "public, max-age=3600").send(rumScript(config.rum));
  });

  const labelNames = new Map(config.metrics.map((metric) => [metric.name, metric.labels.map((label) => label.name)]));
  const stopCollectors = startCollectors(
    config.collectors,
    {
      labelNames: (metric) => labelNames.get(metric) ?? [],
      accept: async (records) => void (await accept(records)),
      result: (name, ok) => {
        collectorRuns.inc({ collector: name, result: ok ? "success" : "failure" });
        if (ok) collectorLastSuccess.set({ collector: name }, Date.now() / 1000);
      },
    },
    log,
  );
  service.onClose(stopCollectors);
  return service.listen(config.host, config.port);
}
