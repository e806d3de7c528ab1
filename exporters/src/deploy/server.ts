// The deploy exporter: deploy events in (JSON API, GitHub webhooks, axi-deploy), history and
// live progress out, DORA metrics for Prometheus.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { resolve } from "node:path";
import { Counter } from "prom-client";
import {
  closeServer,
  createApp,
  createSseHub,
  durableWriter,
  errorHandler,
  HttpError,
  listen,
  notFound,
  openJournal,
  parse,
  requireToken,
  route,
  type DeployExporterConfig,
  type Logger,
  selfRegistry,
} from "@opsdeck/core";
import { CONTENT_TYPE, render } from "../lib/series.ts";
import { axiRecords } from "./axi.ts";
import { githubRecords, verifySignature } from "./github.ts";
import {
  deployId,
  finishSchema,
  logSchema,
  querySchema,
  startSchema,
  stepSchema,
  type Deploy,
  type DeployRecord,
} from "./model.ts";
import { createDeployState, view, type Change } from "./state.ts";
import { deployStats, statsQuerySchema } from "./stats.ts";

export interface DeployExporter {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startDeployExporter(
  cfg: DeployExporterConfig,
  log: Logger,
  baseDir = process.cwd(),
): Promise<DeployExporter> {
  const state = createDeployState({ historyLimit: cfg.history_limit, logLines: cfg.log_lines_per_deploy });
  const journal = await openJournal<DeployRecord, ReturnType<typeof state.dump>>({
    dir: resolve(baseDir, cfg.data_dir),
    name: "deploys",
    apply: (r) => void state.apply(r),
    load: state.load,
    dump: state.dump,
    compactBytes: 32 * 1024 * 1024,
  });
  log.info("deploy history loaded", {
    "opsdeck.deploys": state.deploys.size,
    "opsdeck.replayed": journal.stats.replayed,
  });

  const registry = selfRegistry();
  const duplicates = new Counter({
    name: "opsdeck_deploy_events_duplicate_total",
    help: "Deploy events ignored because their event id was seen before.",
    labelNames: ["source"],
    registers: [registry],
  });
  const rejected = new Counter({
    name: "opsdeck_deploy_requests_rejected_total",
    help: "Write requests answered with an error, by HTTP status code.",
    labelNames: ["code"],
    registers: [registry],
  });
  const annotationErrors = new Counter({
    name: "opsdeck_deploy_annotation_errors_total",
    help: "Grafana annotations that could not be posted.",
    registers: [registry],
  });

  const hub = createSseHub();
  const write = durableWriter(journal, log);

  // Deploy events as ECS lines of their own dataset: Filebeat ships them to the events indices,
  // where Kibana and the portal's log search show them beside the apps' logs.
  const events = log.child({ "event.dataset": "opsdeck.deploy", "event.category": "configuration" });
  const logEvent = (type: "started" | "finished", d: Deploy) =>
    events.info(`deploy ${d.project}/${d.environment} ${type === "started" ? "started" : d.status}`, {
      "event.action": `deploy-${type}`,
      ...(type === "finished" && { "event.outcome": d.status === "succeeded" ? "success" : "failure" }),
      "opsdeck.deploy.id": d.id,
      "opsdeck.deploy.project": d.project,
      "opsdeck.deploy.environment": d.environment,
      "opsdeck.deploy.version": d.version,
      "opsdeck.deploy.status": d.status,
      "user.name": d.actor,
    });

  /** Applies, writes to disk, and only then tells the world. A write failure is fatal: state ran ahead of disk. */
  async function accept(records: DeployRecord[]): Promise<Change[]> {
    const changes = records.map((r) => state.apply(r));
    const fresh = records.filter((_, i) => changes[i].type !== "duplicate");
    records.forEach((r, i) => changes[i].type === "duplicate" && duplicates.inc({ source: r.source }));
    await write(fresh);
    for (const c of changes) {
      if (c.type === "duplicate") continue;
      hub.publish("deploy", { type: c.type, deploy: view(c.deploy), step: c.step?.name });
      if (c.type === "finished") void annotate(c.deploy);
      if (c.type !== "updated") logEvent(c.type, c.deploy);
    }
    return changes;
  }

  async function annotate(d: Deploy) {
    const g = cfg.grafana;
    if (!g.url) return;
    try {
      const res = await fetch(new URL("/api/annotations", g.url), {
        method: "POST",
        headers: { "content-type": "application/json", ...(g.token ? { authorization: `Bearer ${g.token}` } : {}) },
        body: JSON.stringify({
          time: d.started_at,
          timeEnd: d.finished_at,
          tags: [...g.tags, d.project, d.environment, d.status],
          text: `Deploy ${d.project} ${d.version ?? ""} to ${d.environment}: ${d.status}`,
        }),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`Grafana answered ${res.status}`);
    } catch (err) {
      annotationErrors.inc();
      log.warn("grafana annotation failed", { error: err, "opsdeck.deploy.id": d.id });
    }
  }

  const app = createApp({ maxBodyBytes: cfg.max_body_bytes });
  const auth = requireToken(cfg.token);
  const authOrQuery = requireToken(cfg.token, { allowQuery: true });
  const base = (source: string) => ({ at: Date.now(), source });
  const existing = (id: string) => {
    const d = state.get(parse(deployId, id, "path"));
    if (!d) throw new HttpError(404, `no deploy with id "${id}"`);
    return d;
  };

  app.get("/healthz", (_req, res) => res.json({ status: "ok" }));
  app.get(
    "/metrics",
    route(async (_req, res) => {
      res.type(CONTENT_TYPE).send(render(state.families()) + (await registry.metrics()));
    }),
  );

  app.post(
    "/api/v1/deploys",
    auth,
    route(async (req, res) => {
      const b = parse(startSchema, req.body);
      const id = b.id ?? `${b.project}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
      const existed = !!state.get(id);
      const { event_id, id: _, ...info } = b;
      await accept([{ ...base("api"), id, event_id, t: "start", info }]);
      res.status(existed ? 200 : 201).json({ id, deploy: view(state.get(id)!) });
    }),
  );
  app.post(
    "/api/v1/deploys/:id/steps",
    auth,
    route(async (req, res) => {
      const d = existing(String(req.params.id));
      const { event_id, ...step } = parse(stepSchema, req.body);
      const [c] = await accept([{ ...base("api"), id: d.id, event_id, t: "step", step }]);
      res.json({ id: d.id, duplicate: c.type === "duplicate", deploy: view(d) });
    }),
  );
  app.post(
    "/api/v1/deploys/:id/logs",
    auth,
    route(async (req, res) => {
      const d = existing(String(req.params.id));
      const b = parse(logSchema, req.body);
      const now = Date.now();
      const lines = b.lines.map((l) => ({ ...l, ts: l.ts ?? now }));
      const [c] = await accept([{ ...base("api"), id: d.id, event_id: b.event_id, t: "log", lines }]);
      res.json({ id: d.id, duplicate: c.type === "duplicate", lines: lines.length });
    }),
  );
  app.post(
    "/api/v1/deploys/:id/finish",
    auth,
    route(async (req, res) => {
      const d = existing(String(req.params.id));
      const b = parse(finishSchema, req.body);
      const [c] = await accept([
        {
          ...base("api"),
          id: d.id,
          event_id: b.event_id,
          t: "finish",
          result: b.result,
          finished_at: b.finished_at ?? Date.now(),
        },
      ]);
      res.json({ id: d.id, duplicate: c.type === "duplicate", deploy: view(d) });
    }),
  );
  app.get("/api/v1/deploys", (req, res) => {
    const q = parse(querySchema, req.query, "query");
    const page = state.query(q);
    res.json({ deploys: page.deploys.map(view), next_cursor: page.next_cursor });
  });
  app.get("/api/v1/deploys/:id", (req, res) => void res.json(view(existing(String(req.params.id)))));
  app.get("/api/v1/stats", (req, res) => {
    const q = parse(statsQuerySchema, req.query, "query");
    res.json({ days: q.days, projects: deployStats(state.deploys.values(), q) });
  });
  app.get("/api/v1/stream", (req, res) => hub.serve(req, res));

  app.post(
    "/api/v1/webhooks/github",
    route(async (req, res) => {
      const secret = cfg.github.secret;
      if (!secret) throw new HttpError(503, "GitHub webhooks are disabled: set exporters.deploy.github.secret");
      verifySignature(secret, req.rawBody, req.header("x-hub-signature-256"));
      const event = req.header("x-github-event");
      if (!event) throw new HttpError(400, "missing X-GitHub-Event header");
      const records = githubRecords(event, req.header("x-github-delivery"), req.body, cfg.github);
      const changes = await accept(records);
      res
        .status(202)
        .json({ accepted: changes.filter((c) => c.type !== "duplicate").length, ignored: records.length === 0 });
    }),
  );
  app.post(
    "/api/v1/webhooks/axi",
    authOrQuery,
    route(async (req, res) => {
      const records = axiRecords(req.body);
      const changes = await accept(records);
      res.status(202).json({ id: records[0].id, duplicate: changes[0].type === "duplicate" });
    }),
  );

  app.use(notFound());
  app.use(errorHandler(log, (code) => rejected.inc({ code: String(code) })));

  // Deploys nobody finished become timed_out, through the journal like any other event.
  const timeoutMs = cfg.timeout_minutes * 60_000;
  const sweep = setInterval(
    () => {
      const now = Date.now();
      const stale = state.running().filter((d) => now - d.updated_at > timeoutMs);
      if (stale.length)
        void accept(
          stale.map((d) => ({
            id: d.id,
            event_id: `timeout:${d.id}`,
            at: now,
            source: "timeout",
            t: "finish",
            result: "timed_out",
            finished_at: now,
          })),
        );
    },
    Math.min(60_000, Math.max(1000, timeoutMs / 4)),
  );
  sweep.unref();

  const { server, url } = await listen(app, cfg.host, cfg.port);
  log.info("deploy exporter listening", { "url.full": url });
  return {
    server,
    url,
    async close() {
      clearInterval(sweep);
      hub.close();
      await closeServer(server);
      await journal.close();
    },
  };
}
