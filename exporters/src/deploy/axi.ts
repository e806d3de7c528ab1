// The legacy axi-deploy notification format that existing pipelines send (built with shell
// heredocs, so types are loose: numbers as strings, "null" for absent times).
import { createHash } from "node:crypto";
import { z } from "zod";
import { HOST_NAME, parse } from "@opsdeck/core";
import { toMillis } from "../lib/time.ts";
import { deployId, label, type DeployRecord, type DeployResult, type StepStatus } from "./model.ts";

const loose = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === "null" || v === "" ? undefined : String(v)));

export const axiSchema = z
  .object({
    type: z.enum([
      "step_started",
      "step_completed",
      "deployment_completed",
      "step_manual",
      "log_entry",
      "metrics_update",
    ]),
    // The same character sets as the JSON API: these become labels, ids in URLs, and alert text.
    project: label,
    deployment_id: z.union([z.string(), z.number()]).transform(String).pipe(deployId),
    environment: loose.pipe(label.optional()),
    step_name: loose,
    step_status: loose,
    status: loose,
    timestamp: loose,
    workflow_name: loose,
    workflow_id: loose,
    logs: loose,
    duration: loose,
    started_at: loose,
    completed_at: loose,
    level: loose,
    message: loose,
    source: loose,
    event_id: loose,
    version: loose,
    commit: loose,
    branch: loose,
    actor: loose,
    metrics: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
    // The servers deployed to: a list or "a,b". Such pipelines cannot be told to fix a value,
    // so names that are not host names are left out rather than failing the event.
    hosts: z
      .union([z.array(z.unknown()), z.string()])
      .optional()
      .transform((v) => {
        const names = (typeof v === "string" ? v.split(",") : (v ?? [])).map((h) => String(h).trim());
        const valid = names.filter((h) => HOST_NAME.test(h)).slice(0, 200);
        return valid.length ? valid : undefined;
      }),
  })
  .loose();

export function axiStepStatus(s: string | undefined): StepStatus {
  switch ((s ?? "").toLowerCase()) {
    case "success":
    case "succeeded":
    case "completed":
      return "succeeded";
    case "failure":
    case "failed":
    case "error":
    case "timed_out":
      return "failed";
    case "cancelled":
    case "canceled":
      return "cancelled";
    case "skipped":
      return "skipped";
    case "pending":
    case "queued":
      return "pending";
    case "manual":
    case "waiting":
      return "waiting";
    default:
      return "running"; // started, running, in_progress, retrying
  }
}

export function axiResult(s: string | undefined): DeployResult {
  const st = axiStepStatus(s);
  return st === "succeeded" ? "succeeded" : st === "cancelled" || st === "skipped" ? "cancelled" : "failed";
}

const LEVELS: Record<string, string> = {
  warning: "warn",
  err: "error",
  fatal: "error",
  critical: "error",
  trace: "debug",
};

export function axiRecords(body: unknown, now = Date.now()): DeployRecord[] {
  const n = parse(axiSchema, body);
  const at = toMillis(n.timestamp) ?? now;
  const durationMs =
    n.duration !== undefined && Number.isFinite(Number(n.duration)) ? Number(n.duration) * 1000 : undefined;
  const finished = toMillis(n.completed_at);
  const started = toMillis(n.started_at) ?? (durationMs !== undefined ? (finished ?? at) - durationMs : undefined);
  // The same notification sent twice (a retried curl) is one event.
  const event_id =
    n.event_id ??
    "axi:" +
      createHash("sha256")
        .update(
          JSON.stringify([
            n.type,
            n.deployment_id,
            n.step_name,
            n.step_status,
            n.status,
            n.timestamp,
            n.message,
            n.level,
          ]),
        )
        .digest("base64url");
  const info = {
    project: n.project,
    environment: n.environment ?? "production",
    version: n.version,
    commit: n.commit,
    branch: n.branch,
    actor: n.actor,
    hosts: n.hosts,
    started_at: n.type === "deployment_completed" || n.type === "step_started" ? started : undefined,
  };
  const base = { id: `axi-${n.project}-${n.deployment_id}`, event_id, at: now, source: "axi", info };
  const stepName = n.step_name ?? n.workflow_name ?? "deploy";
  switch (n.type) {
    case "step_started":
      return [{ ...base, t: "step", step: { name: stepName, status: "running", started_at: started ?? at } }];
    case "step_manual":
      return [{ ...base, t: "step", step: { name: stepName, status: "waiting", started_at: started ?? at } }];
    case "step_completed":
      return [
        {
          ...base,
          t: "step",
          step: {
            name: stepName,
            status: axiStepStatus(n.step_status ?? n.status),
            started_at: started,
            finished_at: finished ?? at,
            log: n.logs,
          },
        },
      ];
    case "deployment_completed":
      return [{ ...base, t: "finish", result: axiResult(n.status ?? n.step_status), finished_at: finished ?? at }];
    case "log_entry":
      return [
        {
          ...base,
          t: "log",
          lines: [
            {
              ts: at,
              level: LEVELS[(n.level ?? "info").toLowerCase()] ?? (n.level ?? "info").toLowerCase(),
              message: n.message ?? n.logs ?? "",
              source: n.source ?? n.step_name,
            },
          ],
        },
      ];
    case "metrics_update": {
      const metrics: Record<string, number> = {};
      for (const [k, v] of Object.entries(n.metrics ?? {})) if (Number.isFinite(Number(v))) metrics[k] = Number(v);
      return [{ ...base, t: "metrics", metrics }];
    }
  }
}
