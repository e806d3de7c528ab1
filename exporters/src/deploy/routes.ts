// The deploy exporter's HTTP API: the JSON API (start, steps, logs, finish; idempotent by id and
// event_id), GitHub webhooks, axi-deploy notifications, history, stats and the live stream.
import { randomBytes } from "node:crypto";
import type { Express, RequestHandler } from "express";
import { HttpError, parse, requireToken, route, type DeployExporterConfig, type SseHub } from "@opsdeck/core";
import { axiRecords } from "./axi.ts";
import { githubRecords, verifySignature } from "./github.ts";
import {
  deployId,
  finishSchema,
  incidentSchema,
  logSchema,
  querySchema,
  startSchema,
  stepSchema,
  type DeployRecord,
} from "./model.ts";
import { view, type Change, type DeployState } from "./state.ts";
import { deployStats, statsQuerySchema } from "./stats.ts";
import { rollbackSchema, startRollback } from "./rollback.ts";

export interface DeployRoutes {
  config: DeployExporterConfig;
  state: DeployState;
  hub: SseHub;
  /** Applies, writes to disk, then tells the world; resolves with each record's change. */
  accept(records: DeployRecord[]): Promise<Change[]>;
  log: { warn(message: string, fields?: Record<string, unknown>): void };
}

/** Steps that have ended: the exporter stamps their end when the client gives none. */
const ENDED = new Set(["succeeded", "failed", "cancelled", "skipped"]);

/**
 * A step as reported, with the times the client left out stamped at receipt — it started once
 * it runs or has ended, it ended once it has — so Started, Duration and the timeline mean
 * something for a raw API client too. A time the client gives is kept; the first start stays.
 */
function stamped<T extends { status: string; started_at?: number; finished_at?: number }>(step: T): T {
  const now = Date.now();
  const begun = step.status === "running" || ENDED.has(step.status);
  return {
    ...step,
    started_at: step.started_at ?? (begun ? now : undefined),
    finished_at: step.finished_at ?? (ENDED.has(step.status) ? now : undefined),
  };
}

export function mountDeployRoutes(app: Express, { config, state, hub, accept, log }: DeployRoutes): void {
  const auth = requireToken(config.token);
  const axiAuth: RequestHandler = (req, res, next) =>
    config.axi_token
      ? requireToken(config.axi_token, { allowQuery: true })(req, res, next)
      : next(new HttpError(503, "axi-deploy webhooks are disabled: set exporters.deploy.axi_token"));
  const base = (source: string) => ({ at: Date.now(), source });
  const existing = (id: string) => {
    const deploy = state.get(parse(deployId, id, "path"));
    if (!deploy) throw new HttpError(404, `no deploy with id "${id}"`);
    return deploy;
  };

  app.post(
    "/api/v1/deploys",
    auth,
    route(async (req, res) => {
      const body = parse(startSchema, req.body);
      const id = body.id ?? `${body.project}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
      const existed = !!state.get(id);
      const { event_id, id: _, ...info } = body;
      await accept([{ ...base("api"), id, event_id, t: "start", info }]);
      res.status(existed ? 200 : 201).json({ id, deploy: view(state.get(id)!) });
    }),
  );
  app.post(
    "/api/v1/deploys/:id/steps",
    auth,
    route(async (req, res) => {
      const deploy = existing(String(req.params.id));
      const { event_id, ...given } = parse(stepSchema, req.body);
      const [change] = await accept([{ ...base("api"), id: deploy.id, event_id, t: "step", step: stamped(given) }]);
      res.json({ id: deploy.id, duplicate: change.type === "duplicate", deploy: view(deploy) });
    }),
  );
  app.post(
    "/api/v1/deploys/:id/logs",
    auth,
    route(async (req, res) => {
      const deploy = existing(String(req.params.id));
      const body = parse(logSchema, req.body);
      const now = Date.now();
      const lines = body.lines.map((line) => ({ ...line, ts: line.ts ?? now }));
      const [change] = await accept([{ ...base("api"), id: deploy.id, event_id: body.event_id, t: "log", lines }]);
      res.json({ id: deploy.id, duplicate: change.type === "duplicate", lines: lines.length });
    }),
  );
  app.post(
    "/api/v1/deploys/:id/finish",
    auth,
    route(async (req, res) => {
      const deploy = existing(String(req.params.id));
      const body = parse(finishSchema, req.body);
      const [change] = await accept([
        {
          ...base("api"),
          id: deploy.id,
          event_id: body.event_id,
          t: "finish",
          result: body.result,
          finished_at: body.finished_at ?? Date.now(),
        },
      ]);
      res.json({ id: deploy.id, duplicate: change.type === "duplicate", deploy: view(deploy) });
    }),
  );
  app.post(
    "/api/v1/deploys/:id/incident",
    auth,
    route(async (req, res) => {
      const deploy = existing(String(req.params.id));
      const body = parse(incidentSchema, req.body);
      if (deploy.status !== "succeeded")
        throw new HttpError(
          409,
          deploy.status === "running"
            ? "the deploy is still running"
            : `the deploy ${deploy.status}: it counts as a change failure already`,
        );
      const { event_id, ...mark } = body;
      const [change] = await accept([{ ...base("api"), id: deploy.id, event_id, t: "incident", ...mark }]);
      res.json({ id: deploy.id, duplicate: change.type === "duplicate", deploy: view(deploy) });
    }),
  );
  // Roll back (rollback.ts): 202 once the rollback deploy is on disk; the command runs after.
  app.post(
    "/api/v1/rollbacks",
    auth,
    route(async (req, res) => {
      const started = await startRollback(parse(rollbackSchema, req.body), { config, state, accept, log });
      res.status(202).json({ ...started, deploy: view(state.get(started.id)!) });
    }),
  );
  /** Where a rollback command is configured (the commands themselves stay here). */
  app.get("/api/v1/rollbacks", (_req, res) => {
    res.json({ rollbacks: config.rollbacks.map(({ project, environment }) => ({ project, environment })) });
  });
  app.get("/api/v1/deploys", (req, res) => {
    const page = state.query(parse(querySchema, req.query, "query"));
    res.json({ deploys: page.deploys.map(view), next_cursor: page.next_cursor });
  });
  app.get("/api/v1/deploys/:id", (req, res) => void res.json(view(existing(String(req.params.id)))));
  app.get("/api/v1/stats", (req, res) => {
    const query = parse(statsQuerySchema, req.query, "query");
    res.json({ days: query.days, projects: deployStats(state.deploys.values(), query) });
  });
  app.get("/api/v1/stream", (req, res) => hub.serve(req, res));

  app.post(
    "/api/v1/webhooks/github",
    route(async (req, res) => {
      const secret = config.github.secret;
      if (!secret) throw new HttpError(503, "GitHub webhooks are disabled: set exporters.deploy.github.secret");
      verifySignature(secret, req.rawBody, req.header("x-hub-signature-256"));
      const event = req.header("x-github-event");
      if (!event) throw new HttpError(400, "missing X-GitHub-Event header");
      const records = githubRecords(event, req.header("x-github-delivery"), req.body, config.github);
      const changes = await accept(records);
      res.status(202).json({
        accepted: changes.filter((change) => change.type !== "duplicate").length,
        ignored: records.length === 0,
      });
    }),
  );
  app.post(
    "/api/v1/webhooks/axi",
    axiAuth,
    route(async (req, res) => {
      const records = axiRecords(req.body);
      const changes = await accept(records);
      res.status(202).json({ id: records[0].id, duplicate: changes[0].type === "duplicate" });
    }),
  );
}
