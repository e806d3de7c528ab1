// Deploys, their steps and logs; the records the journal holds; the JSON API's input schemas.
import {
  DEPLOY_RESULTS,
  STEP_STATUSES,
  type DeployResult,
  type DeployStatus,
  type StepStatus,
} from "@opsdeck/contracts";
import { z } from "zod";
import { HOST_NAME } from "@opsdeck/core";
import { toMillis } from "../lib/time.ts";

export { DEPLOY_RESULTS, STEP_STATUSES };
export type { DeployResult, DeployStatus, StepStatus } from "@opsdeck/contracts";

export interface Step {
  name: string;
  status: StepStatus;
  started_at?: number;
  finished_at?: number;
  log?: string;
}

export interface LogLine {
  ts: number;
  level: string;
  message: string;
  source?: string;
}

export interface Deploy {
  id: string;
  project: string;
  environment: string;
  version?: string;
  commit?: string;
  branch?: string;
  actor?: string;
  url?: string;
  /** The servers it went to (their `host` names), when the reporter says. */
  hosts?: string[];
  /** api, github or axi: who told us about it. */
  source: string;
  status: DeployStatus;
  started_at: number;
  finished_at?: number;
  /** When the deployed commit was made, for lead time. */
  commit_at?: number;
  steps: Step[];
  logs: LogLine[];
  metrics: Record<string, number>;
  updated_at: number;
  /** An operator said this (successful) deploy caused an incident: a change failure all the same. */
  incident?: { by: string; at: number; note?: string };
}

export interface DeployInfo {
  project: string;
  environment: string;
  version?: string;
  commit?: string;
  branch?: string;
  actor?: string;
  url?: string;
  hosts?: string[];
  started_at?: number;
  commit_at?: number;
}

/** What the journal holds: every accepted change, folded into the state on replay. */
export type DeployRecord = { id: string; event_id?: string; at: number; source: string } & (
  | { t: "start"; info: DeployInfo }
  | { t: "step"; info?: DeployInfo; step: Step }
  | { t: "log"; info?: DeployInfo; lines: LogLine[] }
  | { t: "metrics"; info?: DeployInfo; metrics: Record<string, number> }
  | { t: "finish"; info?: DeployInfo; result: DeployResult; finished_at: number }
  | { t: "incident"; info?: DeployInfo; caused: boolean; by: string; note?: string }
);

const text = (max: number) => z.string().trim().min(1).max(max);
const LABEL = /^[\w.\-/@]+$/;
/** A project or environment: it becomes a Prometheus label and reaches alert messages, so no free text. */
export const label = text(100).regex(LABEL, "letters, digits and . _ - / @ only");
/** For sources that cannot be told to fix a value (GitHub): the disallowed characters become "-". */
export const toLabel = (value: string) =>
  value
    .trim()
    .replace(/[^\w.\-/@]+/g, "-")
    .slice(0, 100) || "unknown";
/** A link shown in the portal: only http(s), never javascript: or data:. */
export const deployUrl = z.url({ protocol: /^https?$/, error: "an http(s) URL" }).max(2000);
export const httpUrlOrUndefined = (value: string | null | undefined) =>
  value && deployUrl.safeParse(value).success ? value : undefined;
const when = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = toMillis(v);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: "expected an ISO 8601 time or Unix seconds, between 1970 and 2200" });
    return z.NEVER;
  }
  return ms;
});
export const eventId = text(200).optional();
/** The servers a deploy went to: host names as OpsDeck's hosts list spells them (labels, PromQL). */
export const deployHosts = z
  .array(z.string().regex(HOST_NAME, "a host name: letters, digits, '.', '_' and '-', at most 63"))
  .min(1)
  .max(200);
export const deployId = text(200).regex(/^[\w.\-:@]+$/, "letters, digits and . _ - : @ only");

export const startSchema = z
  .object({
    id: deployId.optional(),
    event_id: eventId,
    project: label,
    environment: label,
    version: text(200).optional(),
    commit: z
      .string()
      .regex(/^[0-9a-f]{4,64}$/i, "a hex commit SHA")
      .optional(),
    branch: text(250).optional(),
    actor: text(200).optional(),
    url: deployUrl.optional(),
    hosts: deployHosts.optional(),
    started_at: when.optional(),
    commit_at: when.optional(),
  })
  .strict();

export const stepSchema = z
  .object({
    event_id: eventId,
    name: text(200),
    status: z.enum(STEP_STATUSES),
    started_at: when.optional(),
    finished_at: when.optional(),
    log: z
      .string()
      .max(64 * 1024)
      .optional(),
  })
  .strict();

export const logSchema = z
  .object({
    event_id: eventId,
    lines: z
      .array(
        z
          .object({
            ts: when.optional(),
            level: z.enum(["debug", "info", "warn", "error"]).default("info"),
            message: z.string().max(8192),
            source: text(200).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();

/** "This deploy caused an incident" (or, `caused: false`, it did not after all), by whom and why. */
export const incidentSchema = z
  .object({
    event_id: eventId,
    caused: z.boolean().default(true),
    by: text(200),
    note: text(500).optional(),
  })
  .strict();

export const finishSchema = z
  .object({
    event_id: eventId,
    result: z.enum(["succeeded", "failed", "cancelled"]),
    finished_at: when.optional(),
  })
  .strict();

export const querySchema = z
  .object({
    project: z.string().optional(),
    environment: z.string().optional(),
    /** Deploys that went to this host. */
    host: z.string().optional(),
    status: z.enum(["running", ...DEPLOY_RESULTS]).optional(),
    source: z.string().optional(),
    since: when.optional(),
    until: when.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().optional(),
  })
  .strict();
export type DeployQuery = z.infer<typeof querySchema>;
