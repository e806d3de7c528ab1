// The deploy history and its DORA statistics, folded from journal records. The same fold runs
// on replay and for new records, so metrics after a restart equal metrics before it.
import type { DeployView } from "@opsdeck/contracts";
import { BoundedSet } from "@opsdeck/core";
import { dump, family, inc, observe, restore, set, type Family, type FamilyDump } from "../lib/series.ts";
import { iso } from "../lib/time.ts";
import type { Deploy, DeployQuery, DeployRecord, DeployResult, Step } from "./model.ts";

const PE = ["project", "environment"];
const DURATION_BUCKETS = [30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200];
const LEAD_BUCKETS = [300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200, 604800];

function statsFamilies() {
  return {
    total: family({
      name: "opsdeck_deployments_total",
      help: "Finished deploys by result (succeeded, failed, cancelled, timed_out).",
      type: "counter",
      labelNames: [...PE, "result"],
    }),
    duration: family({
      name: "opsdeck_deployment_duration_seconds",
      help: "Time from a deploy's start to its finish.",
      type: "histogram",
      labelNames: [...PE, "result"],
      buckets: DURATION_BUCKETS,
    }),
    leadTime: family({
      name: "opsdeck_deployment_lead_time_seconds",
      help: "Time from the deployed commit to its successful deploy (when the commit time is known).",
      type: "histogram",
      labelNames: PE,
      buckets: LEAD_BUCKETS,
    }),
    restore: family({
      name: "opsdeck_deployment_time_to_restore_seconds",
      help: "Time from the first failed deploy of a project/environment to the next successful one.",
      type: "histogram",
      labelNames: PE,
      buckets: LEAD_BUCKETS,
    }),
    lastSuccess: family({
      name: "opsdeck_deployment_last_success_timestamp_seconds",
      help: "When the last successful deploy finished.",
      type: "gauge",
      labelNames: PE,
    }),
    lastFailure: family({
      name: "opsdeck_deployment_last_failure_timestamp_seconds",
      help: "When the last failed or timed-out deploy finished.",
      type: "gauge",
      labelNames: PE,
    }),
    failing: family({
      name: "opsdeck_deployment_failing",
      help: "1 while the latest finished deploy of a project/environment failed or timed out, until one succeeds.",
      type: "gauge",
      labelNames: PE,
    }),
    events: family({
      name: "opsdeck_deploy_events_total",
      help: "Deploy events accepted, by source (api, github, axi, timeout).",
      type: "counter",
      labelNames: ["source"],
    }),
  } satisfies Record<string, Family>;
}

export interface DeployStateOptions {
  historyLimit: number;
  logLines: number;
}

export type Change =
  { type: "started" | "updated" | "finished"; deploy: Deploy; step?: Step } | { type: "duplicate"; deploy?: Deploy };

export function createDeployState(opts: DeployStateOptions) {
  const deploys = new Map<string, Deploy>();
  const seen = new BoundedSet(100_000);
  const stats = statsFamilies();
  /** First failure of the current failing streak per project/environment, for time to restore. */
  const failingSince = new Map<string, number>();

  function ensure(r: DeployRecord): Deploy | undefined {
    let d = deploys.get(r.id);
    const info = r.info;
    if (!d) {
      if (!info) return undefined;
      d = {
        id: r.id,
        project: info.project,
        environment: info.environment,
        source: r.source,
        status: "running",
        started_at: info.started_at ?? r.at,
        steps: [],
        logs: [],
        metrics: {},
        updated_at: r.at,
      };
      deploys.set(r.id, d);
    }
    // A later event may know what an earlier one did not (GitHub sends the commit time late).
    if (info) {
      for (const k of ["version", "commit", "branch", "actor", "url", "commit_at"] as const) {
        if (d[k] === undefined && info[k] !== undefined) (d as unknown as Record<string, unknown>)[k] = info[k];
      }
      if (info.started_at !== undefined && info.started_at < d.started_at) d.started_at = info.started_at;
    }
    return d;
  }

  function finish(d: Deploy, result: DeployResult, at: number) {
    d.status = result;
    d.finished_at = Math.max(at, d.started_at);
    const pe = [d.project, d.environment];
    const key = pe.join("\u0000");
    inc(stats.total, [...pe, result]);
    observe(stats.duration, [...pe, result], (d.finished_at - d.started_at) / 1000);
    const t = d.finished_at / 1000;
    if (result === "succeeded") {
      set(stats.lastSuccess, pe, t);
      set(stats.failing, pe, 0);
      if (d.commit_at !== undefined && d.commit_at <= d.finished_at)
        observe(stats.leadTime, pe, (d.finished_at - d.commit_at) / 1000);
      const since = failingSince.get(key);
      if (since !== undefined) {
        observe(stats.restore, pe, (d.finished_at - since) / 1000);
        failingSince.delete(key);
      }
    } else if (result === "failed" || result === "timed_out") {
      set(stats.lastFailure, pe, t);
      set(stats.failing, pe, 1);
      if (!failingSince.has(key)) failingSince.set(key, d.finished_at);
    }
    for (const s of d.steps)
      if (s.status === "running" || s.status === "pending" || s.status === "waiting") {
        s.status = result === "succeeded" ? "succeeded" : "cancelled";
        s.finished_at ??= d.finished_at;
      }
    prune();
  }

  function prune() {
    let finished = 0;
    for (const d of deploys.values()) if (d.status !== "running") finished++;
    if (finished <= opts.historyLimit) return;
    const old = [...deploys.values()].filter((d) => d.status !== "running").sort((a, b) => a.started_at - b.started_at);
    for (const d of old.slice(0, finished - opts.historyLimit)) deploys.delete(d.id);
  }

  /** Folds one record in; tells what changed (for the live stream). */
  function apply(r: DeployRecord): Change {
    if (r.event_id) {
      if (!seen.add(r.event_id)) return { type: "duplicate", deploy: deploys.get(r.id) };
    }
    const existed = deploys.has(r.id);
    const d = ensure(r);
    if (!d) return { type: "duplicate" };
    // A second verdict changes nothing: the first one stands (and is what the counters saw).
    if (r.t === "finish" && d.status !== "running") return { type: "duplicate", deploy: d };
    inc(stats.events, [r.source]);
    d.updated_at = r.at;
    const started = !existed;
    switch (r.t) {
      case "start":
        break;
      case "step": {
        const cur = d.steps.find((s) => s.name === r.step.name);
        if (cur) {
          cur.status = r.step.status;
          cur.started_at ??= r.step.started_at;
          if (r.step.finished_at !== undefined) cur.finished_at = r.step.finished_at;
          if (r.step.log !== undefined) cur.log = r.step.log;
        } else d.steps.push({ ...r.step });
        if (d.status === "running")
          return {
            type: started ? "started" : "updated",
            deploy: d,
            step: d.steps.find((s) => s.name === r.step.name),
          };
        break;
      }
      case "log":
        d.logs.push(...r.lines);
        if (d.logs.length > opts.logLines) d.logs.splice(0, d.logs.length - opts.logLines);
        break;
      case "metrics":
        Object.assign(d.metrics, r.metrics);
        break;
      case "finish":
        finish(d, r.result, r.finished_at);
        return { type: "finished", deploy: d };
    }
    return { type: started ? "started" : "updated", deploy: d };
  }

  function inProgress(): Family {
    const f = family({
      name: "opsdeck_deployments_in_progress",
      help: "Deploys started and not yet finished.",
      type: "gauge",
      labelNames: PE,
    });
    for (const d of deploys.values()) inc(f, [d.project, d.environment], d.status === "running" ? 1 : 0);
    return f;
  }

  function query(q: DeployQuery): { deploys: Deploy[]; next_cursor?: string } {
    // Newest first; the cursor is the (started_at, id) of the last item of the previous page.
    let after: [number, string] | undefined;
    if (q.cursor) {
      const [t, ...id] = Buffer.from(q.cursor, "base64url").toString().split(":");
      after = [Number(t), id.join(":")];
    }
    const all = [...deploys.values()]
      .filter(
        (d) =>
          (!q.project || d.project === q.project) &&
          (!q.environment || d.environment === q.environment) &&
          (!q.status || d.status === q.status) &&
          (!q.source || d.source === q.source) &&
          (q.since === undefined || d.started_at >= q.since) &&
          (q.until === undefined || d.started_at <= q.until),
      )
      .sort((a, b) => b.started_at - a.started_at || (a.id < b.id ? 1 : -1));
    const start = after
      ? all.findIndex((d) => d.started_at < after[0] || (d.started_at === after[0] && d.id < after[1]))
      : 0;
    const page = start < 0 ? [] : all.slice(start, start + q.limit);
    const last = page.at(-1);
    const more = start >= 0 && start + q.limit < all.length;
    return {
      deploys: page,
      next_cursor: more && last ? Buffer.from(`${last.started_at}:${last.id}`).toString("base64url") : undefined,
    };
  }

  return {
    deploys,
    apply,
    query,
    get: (id: string) => deploys.get(id),
    running: () => [...deploys.values()].filter((d) => d.status === "running"),
    families: () => [...Object.values(stats), inProgress()],
    dump: () => ({
      deploys: [...deploys.values()],
      seen: seen.values(),
      failing_since: [...failingSince],
      stats: Object.fromEntries(Object.entries(stats).map(([k, f]) => [k, dump(f)])),
    }),
    load(s: {
      deploys: Deploy[];
      seen: string[];
      failing_since: [string, number][];
      stats: Record<string, FamilyDump>;
    }) {
      for (const d of s.deploys) deploys.set(d.id, d);
      for (const id of s.seen) seen.add(id);
      for (const [k, v] of s.failing_since) failingSince.set(k, v);
      for (const [k, f] of Object.entries(stats)) restore(f, s.stats[k]);
    },
  };
}

export type DeployState = ReturnType<typeof createDeployState>;

/** A deploy as the API shows it: ISO times and durations in seconds. */
export function view(d: Deploy): DeployView {
  const secs = (a?: number, b?: number) => (a !== undefined && b !== undefined ? (b - a) / 1000 : undefined);
  return {
    ...d,
    started_at: iso(d.started_at),
    finished_at: iso(d.finished_at),
    commit_at: iso(d.commit_at),
    updated_at: iso(d.updated_at),
    duration_seconds: secs(d.started_at, d.finished_at),
    lead_time_seconds: d.status === "succeeded" ? secs(d.commit_at, d.finished_at) : undefined,
    steps: d.steps.map((s) => ({
      ...s,
      started_at: iso(s.started_at),
      finished_at: iso(s.finished_at),
      duration_seconds: secs(s.started_at, s.finished_at),
    })),
    logs: d.logs.map((l) => ({ ...l, ts: iso(l.ts) })),
  };
}
