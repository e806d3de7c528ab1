// GitHub webhooks (workflow_run, workflow_job, deployment_status) → deploy records.
// Only the fields we use are validated; GitHub sends much more.
import { createHmac } from "node:crypto";
import { z } from "zod";
import { HttpError, parse, safeEqual } from "@opsdeck/core";
import { toMillis } from "../lib/time.ts";
import { httpUrlOrUndefined, toLabel, type DeployRecord, type DeployResult, type StepStatus } from "./model.ts";

/** Checks X-Hub-Signature-256 (HMAC-SHA256 of the raw body) in constant time. */
export function verifySignature(secret: string, raw: Buffer | undefined, header: string | undefined) {
  if (!header) throw new HttpError(401, "missing X-Hub-Signature-256 header");
  const expected =
    "sha256=" +
    createHmac("sha256", secret)
      .update(raw ?? Buffer.alloc(0))
      .digest("hex");
  if (!safeEqual(header, expected)) throw new HttpError(401, "X-Hub-Signature-256 does not match the body");
}

const repo = z.object({ name: z.string(), full_name: z.string() });
const user = z.object({ login: z.string() }).nullish();

const runSchema = z.object({
  action: z.string(),
  repository: repo,
  workflow_run: z.object({
    id: z.number(),
    run_attempt: z.number().default(1),
    name: z.string().nullish(),
    head_branch: z.string().nullish(),
    head_sha: z.string(),
    conclusion: z.string().nullish(),
    html_url: z.string().optional(),
    run_started_at: z.string().nullish(),
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
    actor: user,
    triggering_actor: user,
    head_commit: z.object({ timestamp: z.string().nullish() }).nullish(),
  }),
});

const jobSchema = z.object({
  action: z.string(),
  repository: repo,
  workflow_job: z.object({
    run_id: z.number(),
    run_attempt: z.number().default(1),
    name: z.string(),
    workflow_name: z.string().nullish(),
    status: z.string(),
    conclusion: z.string().nullish(),
    started_at: z.string().nullish(),
    completed_at: z.string().nullish(),
    head_branch: z.string().nullish(),
    head_sha: z.string().nullish(),
    steps: z
      .array(
        z.object({
          name: z.string(),
          status: z.string(),
          conclusion: z.string().nullish(),
          number: z.number().optional(),
        }),
      )
      .default([]),
  }),
});

const deploymentSchema = z.object({
  repository: repo,
  deployment_status: z.object({
    state: z.string(),
    target_url: z.string().nullish(),
    log_url: z.string().nullish(),
    created_at: z.string().nullish(),
    creator: user,
  }),
  deployment: z.object({
    id: z.number(),
    sha: z.string(),
    ref: z.string(),
    environment: z.string(),
    created_at: z.string().nullish(),
    creator: user,
  }),
});

export function conclusionResult(c: string | null | undefined): DeployResult {
  if (c === "success" || c === "neutral") return "succeeded";
  if (c === "cancelled" || c === "skipped" || c === "stale") return "cancelled";
  return "failed";
}

function conclusionStep(c: string | null | undefined): StepStatus {
  if (c === "skipped") return "skipped";
  const r = conclusionResult(c);
  return r === "timed_out" ? "failed" : r;
}

export interface GithubOptions {
  environment: string;
  workflows: string[];
}

/** Maps one delivery to records; [] when the event is one we deliberately ignore. */
export function githubRecords(
  event: string,
  delivery: string | undefined,
  body: unknown,
  opts: GithubOptions,
  now = Date.now(),
): DeployRecord[] {
  const base = { event_id: delivery ? `github:${delivery}` : undefined, at: now, source: "github" };
  const wanted = (name: string | null | undefined) =>
    opts.workflows.length === 0 || (!!name && opts.workflows.includes(name));

  if (event === "workflow_run") {
    const p = parse(runSchema, body, "workflow_run");
    const r = p.workflow_run;
    if (!wanted(r.name)) return [];
    const info = {
      project: toLabel(p.repository.name),
      environment: opts.environment,
      version: r.head_sha.slice(0, 7),
      commit: r.head_sha,
      branch: r.head_branch ?? undefined,
      actor: (r.triggering_actor ?? r.actor)?.login,
      url: httpUrlOrUndefined(r.html_url),
      started_at: toMillis(r.run_started_at ?? r.created_at),
      commit_at: toMillis(r.head_commit?.timestamp),
    };
    const id = `gh-run-${r.id}-${r.run_attempt}`;
    if (p.action === "completed")
      return [
        {
          ...base,
          id,
          t: "finish",
          info,
          result: conclusionResult(r.conclusion),
          finished_at: toMillis(r.updated_at) ?? now,
        },
      ];
    return [{ ...base, id, t: "start", info }];
  }

  if (event === "workflow_job") {
    const p = parse(jobSchema, body, "workflow_job");
    const j = p.workflow_job;
    if (!wanted(j.workflow_name)) return [];
    const status: StepStatus =
      p.action === "completed" ? conclusionStep(j.conclusion) : p.action === "in_progress" ? "running" : "pending";
    const log = j.steps
      .map(
        (s) => `${s.conclusion === "success" ? "✓" : s.conclusion ? "✗" : "·"} ${s.name} (${s.conclusion ?? s.status})`,
      )
      .join("\n");
    return [
      {
        ...base,
        id: `gh-run-${j.run_id}-${j.run_attempt}`,
        t: "step",
        info: {
          project: toLabel(p.repository.name),
          environment: opts.environment,
          commit: j.head_sha ?? undefined,
          version: j.head_sha?.slice(0, 7),
          branch: j.head_branch ?? undefined,
          started_at: toMillis(j.started_at),
        },
        step: {
          name: j.name,
          status,
          started_at: toMillis(j.started_at),
          finished_at: p.action === "completed" ? (toMillis(j.completed_at) ?? now) : undefined,
          log: log || undefined,
        },
      },
    ];
  }

  if (event === "deployment_status") {
    const p = parse(deploymentSchema, body, "deployment_status");
    const { deployment: dep, deployment_status: st } = p;
    const info = {
      project: toLabel(p.repository.name),
      environment: toLabel(dep.environment),
      version: dep.ref,
      commit: dep.sha,
      branch: toLabel(dep.ref),
      actor: (dep.creator ?? st.creator)?.login,
      url: httpUrlOrUndefined(st.log_url ?? st.target_url),
      started_at: toMillis(dep.created_at),
    };
    const id = `gh-deployment-${dep.id}`;
    const at = toMillis(st.created_at) ?? now;
    if (st.state === "success") return [{ ...base, id, t: "finish", info, result: "succeeded", finished_at: at }];
    if (st.state === "failure" || st.state === "error")
      return [{ ...base, id, t: "finish", info, result: "failed", finished_at: at }];
    if (st.state === "inactive") return [];
    return [{ ...base, id, t: "start", info }];
  }

  if (event === "ping") return [];
  throw new HttpError(400, `unsupported GitHub event "${event}": send workflow_run, workflow_job or deployment_status`);
}
