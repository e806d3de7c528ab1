// What the deploy exporter answers and streams (/api/v1/deploys, /api/v1/stats, /api/v1/stream),
// read by the portal. docs/api/openapi.yaml describes the same shapes; a test keeps them equal.
import { z } from "zod";
import { isoTime } from "./time.ts";

export const DEPLOY_RESULTS = ["succeeded", "failed", "cancelled", "timed_out"] as const;
export const DEPLOY_STATUSES = ["running", ...DEPLOY_RESULTS] as const;
export const STEP_STATUSES = ["pending", "waiting", "running", "succeeded", "failed", "cancelled", "skipped"] as const;

export type DeployResult = (typeof DEPLOY_RESULTS)[number];
export type DeployStatus = (typeof DEPLOY_STATUSES)[number];
export type StepStatus = (typeof STEP_STATUSES)[number];

const seconds = z.number().min(0);

export const stepViewSchema = z.strictObject({
  name: z.string(),
  status: z.enum(STEP_STATUSES),
  started_at: isoTime.optional(),
  finished_at: isoTime.optional(),
  duration_seconds: seconds.optional(),
  /** A log excerpt for the step. */
  log: z.string().optional(),
});

export const deployLogLineViewSchema = z.strictObject({
  ts: isoTime,
  level: z.string(),
  message: z.string(),
  source: z.string().optional(),
});

export const deployViewSchema = z.strictObject({
  id: z.string(),
  project: z.string(),
  environment: z.string(),
  version: z.string().optional(),
  commit: z.string().optional(),
  branch: z.string().optional(),
  actor: z.string().optional(),
  url: z.string().optional(),
  /** The servers it went to, when the reporter said. */
  hosts: z.array(z.string()).optional(),
  /** Who told the exporter about it. */
  source: z.string(),
  status: z.enum(DEPLOY_STATUSES),
  started_at: isoTime,
  finished_at: isoTime.optional(),
  /** When the deployed commit was made, for lead time. */
  commit_at: isoTime.optional(),
  updated_at: isoTime,
  duration_seconds: seconds.optional(),
  /** From the commit to the successful finish. */
  lead_time_seconds: seconds.optional(),
  steps: z.array(stepViewSchema),
  logs: z.array(deployLogLineViewSchema),
  metrics: z.record(z.string(), z.number()),
  /** An operator said this deploy caused an incident (counted in the change failure rate). */
  incident: z.strictObject({ by: z.string(), at: isoTime, note: z.string().optional() }).optional(),
});

export const deployPageSchema = z.strictObject({
  deploys: z.array(deployViewSchema),
  next_cursor: z.string().optional(),
});

export const dayStatsSchema = z.strictObject({
  /** The day's start, UTC. */
  day: isoTime,
  finished: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  /** Median duration of the day's successful deploys. */
  duration_p50_seconds: seconds.optional(),
});

export const projectStatsSchema = z.strictObject({
  project: z.string(),
  environment: z.string(),
  finished: z.number().int(),
  succeeded: z.number().int(),
  /** Failed and timed-out deploys (cancelled ones are neither success nor failure). */
  failed: z.number().int(),
  cancelled: z.number().int(),
  /** Successful deploys an operator marked as having caused an incident (change failures too). */
  caused_incident: z.number().int(),
  running: z.number().int(),
  deploys_per_day: z.number(),
  /** succeeded / (succeeded + failed) */
  success_rate: z.number().min(0).max(1).optional(),
  /** failed / (succeeded + failed), DORA's change failure rate */
  change_failure_rate: z.number().min(0).max(1).optional(),
  duration_p50_seconds: seconds.optional(),
  duration_p90_seconds: seconds.optional(),
  lead_time_avg_seconds: seconds.optional(),
  /** From the first failure of a streak to the next success. */
  time_to_restore_avg_seconds: seconds.optional(),
  daily: z.array(dayStatsSchema),
});

export const deployStatsSchema = z.strictObject({
  days: z.number().int(),
  projects: z.array(projectStatsSchema),
});

/** `event: deploy` on the exporter's stream (`deploy.deploy` on the portal's). */
export const deployStreamEventSchema = z.strictObject({
  type: z.enum(["started", "updated", "finished"]),
  deploy: deployViewSchema,
  /** The step that changed, for `updated`. */
  step: z.string().optional(),
});

export type StepView = z.infer<typeof stepViewSchema>;
export type DeployView = z.infer<typeof deployViewSchema>;
export type DeployPage = z.infer<typeof deployPageSchema>;
export type DayStats = z.infer<typeof dayStatsSchema>;
export type ProjectStats = z.infer<typeof projectStatsSchema>;
export type DeployStats = z.infer<typeof deployStatsSchema>;
export type DeployStreamEvent = z.infer<typeof deployStreamEventSchema>;
