// The deploy exporter: deploy events in (JSON API, GitHub webhooks, axi-deploy), history and
// live progress out, DORA metrics for Prometheus. Wiring only: the API is in routes.ts.
import { resolve } from "node:path";
import type { DeployStreamEvent } from "@opsdeck/contracts";
import { Counter } from "prom-client";
import {
  createService,
  createSseHub,
  type DeployExporterConfig,
  type Logger,
  type RunningService,
} from "@opsdeck/core";
import { CONTENT_TYPE, render } from "../lib/series.ts";
import { grafanaAnnotator } from "./grafana.ts";
import type { Deploy, DeployRecord } from "./model.ts";
import { mountDeployRoutes } from "./routes.ts";
import { createDeployState, view, type Change } from "./state.ts";

export type DeployExporter = RunningService;

export async function startDeployExporter(
  config: DeployExporterConfig,
  log: Logger,
  baseDir = process.cwd(),
): Promise<DeployExporter> {
  const state = createDeployState({ historyLimit: config.history_limit, logLines: config.log_lines_per_deploy });
  const service = createService({
    name: "deploy exporter",
    log,
    maxBodyBytes: config.max_body_bytes,
    rejected: {
      name: "opsdeck_deploy_requests_rejected_total",
      help: "Write requests answered with an error, by HTTP status code.",
    },
    exposition: { contentType: CONTENT_TYPE, render: () => render(state.families()) },
  });
  const { journal, write } = await service.openJournal<DeployRecord, ReturnType<typeof state.dump>>({
    dir: resolve(baseDir, config.data_dir),
    name: "deploys",
    apply: (record) => void state.apply(record),
    load: state.load,
    dump: state.dump,
    compactBytes: 32 * 1024 * 1024,
  });
  log.info("deploy history loaded", {
    "opsdeck.deploys": state.deploys.size,
    "opsdeck.replayed": journal.stats.replayed,
  });

  const duplicates = new Counter({
    name: "opsdeck_deploy_events_duplicate_total",
    help: "Deploy events ignored because their event id was seen before.",
    labelNames: ["source"],
    registers: [service.registry],
  });
  const annotationErrors = new Counter({
    name: "opsdeck_deploy_annotation_errors_total",
    help: "Grafana annotations that could not be posted.",
    registers: [service.registry],
  });
  const annotate = grafanaAnnotator(config.grafana, log, () => annotationErrors.inc());
  const hub = createSseHub();

  // Deploy events as ECS lines of their own dataset: Filebeat ships them to the events indices,
  // where Kibana and the portal's log search show them beside the apps' logs.
  const events = log.child({ "event.dataset": "opsdeck.deploy", "event.category": "configuration" });
  const logEvent = (type: "started" | "finished", deploy: Deploy) =>
    events.info(`deploy ${deploy.project}/${deploy.environment} ${type === "started" ? "started" : deploy.status}`, {
      "event.action": `deploy-${type}`,
      ...(type === "finished" && { "event.outcome": deploy.status === "succeeded" ? "success" : "failure" }),
      "opsdeck.deploy.id": deploy.id,
      "opsdeck.deploy.project": deploy.project,
      "opsdeck.deploy.environment": deploy.environment,
      "opsdeck.deploy.version": deploy.version,
      "opsdeck.deploy.status": deploy.status,
      "user.name": deploy.actor,
    });

  /** Applies, writes to disk, and only then tells the world. A write failure is fatal: state ran ahead of disk. */
  async function accept(records: DeployRecord[]): Promise<Change[]> {
    const changes = records.map((record) => state.apply(record));
    const fresh = records.filter((_, i) => changes[i].type !== "duplicate");
    records.forEach((record, i) => changes[i].type === "duplicate" && duplicates.inc({ source: record.source }));
    await write(fresh);
    for (const change of changes) {
      if (change.type === "duplicate") continue;
      const event: DeployStreamEvent = { type: change.type, deploy: view(change.deploy), step: change.step?.name };
      hub.publish("deploy", event);
      if (change.type === "finished") void annotate(change.deploy);
      if (change.type !== "updated") logEvent(change.type, change.deploy);
    }
    return changes;
  }

  mountDeployRoutes(service.app, { config, state, hub, accept, log });

  // Deploys nobody finished become timed_out, through the journal like any other event.
  const timeoutMs = config.timeout_minutes * 60_000;
  const sweep = setInterval(
    () => {
      const now = Date.now();
      const stale = state.running().filter((deploy) => now - deploy.updated_at > timeoutMs);
      if (stale.length)
        void accept(
          stale.map((deploy) => ({
            id: deploy.id,
            event_id: `timeout:${deploy.id}`,
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
  service.onClose(() => {
    clearInterval(sweep);
    hub.close();
  });
  return service.listen(config.host, config.port);
}
