// The timeline (GET /api/timeline, and the portal's /timeline page): one time range and scope,
// with a lane per kind of event — deploys, alert firings, their acks and recovery actions, PM2 restarts and
// crashes, error and warning log volume per service, the business KPIs — and which sources
// answered. Times are epoch milliseconds.
import { z } from "zod";

const ms = z.number().int();

export const SCOPE_KEYS = ["project", "environment", "host", "app"] as const;

export const timelineScopeSchema = z.strictObject({
  project: z.string().optional(),
  environment: z.string().optional(),
  host: z.string().optional(),
  app: z.string().optional(),
});

export const deployBarSchema = z.strictObject({
  id: z.string(),
  project: z.string(),
  environment: z.string(),
  version: z.string().optional(),
  /** Seven characters. */
  commit: z.string().optional(),
  actor: z.string().optional(),
  status: z.string(),
  start: ms,
  /** Unset while it runs. */
  end: ms.optional(),
  hosts: z.array(z.string()),
});

export const alertBarSchema = z.strictObject({
  alertname: z.string(),
  severity: z.string(),
  labels: z.record(z.string(), z.string()),
  start: ms,
  /** Unset while it still fires at the range's end. */
  end: ms.optional(),
});

export const ackMarkSchema = z.strictObject({ at: ms, by: z.string(), comment: z.string() });

/** A recovery action run (or held back) for an alert: by a person, or by its rule (by = rule:<alertname>). */
export const recoveryMarkSchema = z.strictObject({
  at: ms,
  by: z.string(),
  /** The action: restart, reload, scale, reset-restarts, flush-logs. */
  kind: z.string(),
  app: z.string(),
  instance: z.number().int().optional(),
  host: z.string(),
  /** succeeded, failed, refused, dry-run; skipped (a guardrail held it back); unresolved (it did not help). */
  outcome: z.string(),
});

export const restartMarkSchema = z.strictObject({
  app: z.string(),
  host: z.string().optional(),
  at: ms,
  count: z.number().int(),
});

export const crashBarSchema = z.strictObject({
  app: z.string(),
  host: z.string().optional(),
  start: ms,
  end: ms.optional(),
});

export const logVolumeSchema = z.strictObject({
  service: z.string(),
  /** Lines per step from the range's start (error and fatal; warn). */
  error: z.array(z.number().int()),
  warn: z.array(z.number().int()),
});

export const kpiLineSchema = z.strictObject({
  id: z.string(),
  /** Grafana's unit name: "plain" or "ratio". */
  unit: z.string(),
  points: z.array(z.tuple([ms, z.number()])),
});

export const TIMELINE_SOURCES = ["deploys", "prometheus", "alertmanager", "elasticsearch"] as const;

export const timelineSchema = z.strictObject({
  from: ms,
  to: ms,
  step_ms: ms,
  scope: timelineScopeSchema,
  /** The alert's start the link came from, marked on the axis. */
  at: ms.optional(),
  deploys: z.array(deployBarSchema),
  alerts: z.array(alertBarSchema),
  acks: z.array(ackMarkSchema),
  recoveries: z.array(recoveryMarkSchema),
  restarts: z.array(restartMarkSchema),
  crashes: z.array(crashBarSchema),
  logs: z.array(logVolumeSchema),
  kpis: z.array(kpiLineSchema),
  /** A lane whose source did not answer is empty, and said to be. */
  sources: z.array(z.strictObject({ source: z.enum(TIMELINE_SOURCES), ok: z.boolean(), error: z.string().optional() })),
});

export type Timeline = z.infer<typeof timelineSchema>;
export type TimelineScope = z.infer<typeof timelineScopeSchema>;
export type DeployBar = z.infer<typeof deployBarSchema>;
export type AlertBar = z.infer<typeof alertBarSchema>;
export type AckMark = z.infer<typeof ackMarkSchema>;
export type RecoveryMark = z.infer<typeof recoveryMarkSchema>;
export type RestartMark = z.infer<typeof restartMarkSchema>;
export type CrashBar = z.infer<typeof crashBarSchema>;
export type LogVolume = z.infer<typeof logVolumeSchema>;
export type KpiLine = z.infer<typeof kpiLineSchema>;
