// The deploy history and its DORA statistics, folded from journal records. The same fold runs
// on replay and for new records, so metrics after a restart equal metrics before it.
import { DEPLOY_RESULTS, type DeployView } from "@opsdeck/contracts";
import { RecentIds, type RecentIdsDump } from "@opsdeck/core";
import { dump, family, inc, observe, restore, seriesOf, set, type Family, type FamilyDump } from "../lib/series.ts";
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

/** Step and webhook event ids remembered to drop redeliveries. */
const REMEMBERED_EVENT_IDS = 100_000;

export function createDeployState(opts: DeployStateOptions) {
  const deploys = new Map<string, Deploy>();
  let seen = new RecentIds(REMEMBERED_EVENT_IDS);
  const stats = statsFamilies();
  /** First failure of the current failing streak per project/environment, for time to restore. */
  const failingSince = new Map<string, number>();

  function ensure(record: DeployRecord): Deploy | undefined {
    let deploy = deploys.get(record.id);
    const info = record.info;
    if (!deploy) {
      if (!info) return undefined;
      deploy = {
        id: record.id,
        project: info.project,
        environment: info.environment,
        source: record.source,
        status: "running",
        started_at: info.started_at ?? record.at,
        steps: [],
        logs: [],
        metrics: {},
        updated_at: record.at,
      };
      deploys.set(record.id, deploy);
      // Every result and the DORA histograms exist from a project's first deploy on, at zero
      // until they happen: rules and dashboards read 0 and see the first increase, not "no data".
      const projectEnvironment = [info.project, info.environment];
      for (const result of DEPLOY_RESULTS) seriesOf(stats.total, [...projectEnvironment, result]);
      seriesOf(stats.leadTime, projectEnvironment);
      seriesOf(stats.restore, projectEnvironment);
    }
    // A later event may know what an earlier one did not (GitHub sends the commit time late).
    if (info) {
      deploy.version ??= info.version;
      deploy.commit ??= info.commit;
      deploy.branch ??= info.branch;
      deploy.actor ??= info.actor;
      deploy.url ??= info.url;
      deploy.commit_at ??= info.commit_at;
      // A deploy to several servers may be reported server by server: it went to all of them.
      if (info.hosts) deploy.hosts = [...new Set([...(deploy.hosts ?? []), ...info.hosts])];
      if (info.started_at !== undefined && info.started_at < deploy.started_at) deploy.started_at = info.started_at;
    }
    return deploy;
  }

  function finish(deploy: Deploy, result: DeployResult, at: number) {
    deploy.status = result;
    deploy.finished_at = Math.max(at, deploy.started_at);
    const projectEnvironment = [deploy.project, deploy.environment];
    const key = projectEnvironment.join("\u0000");
    inc(stats.total, [...projectEnvironment, result]);
    observe(stats.duration, [...projectEnvironment, result], (deploy.finished_at - deploy.started_at) / 1000);
    const finishedSeconds = deploy.finished_at / 1000;
    if (result === "succeeded") {
      set(stats.lastSuccess, projectEnvironment, finishedSeconds);
      set(stats.failing, projectEnvironment, 0);
      if (deploy.commit_at !== undefined && deploy.commit_at <= deploy.finished_at)
        observe(stats.leadTime, projectEnvironment, (deploy.finished_at - deploy.commit_at) / 1000);
      const since = failingSince.get(key);
      if (since !== undefined) {
        observe(stats.restore, projectEnvironment, (deploy.finished_at - since) / 1000);
        failingSince.delete(key);
      }
    } else if (result === "failed" || result === "timed_out") {
      set(stats.lastFailure, projectEnvironment, finishedSeconds);
      set(stats.failing, projectEnvironment, 1);
      if (!failingSince.has(key)) failingSince.set(key, deploy.finished_at);
    }
    for (const step of deploy.steps)
      if (step.status === "running" || step.status === "pending" || step.status === "waiting") {
        step.status = result === "succeeded" ? "succeeded" : "cancelled";
        step.finished_at ??= deploy.finished_at;
      }
    prune();
  }

  function prune() {
    let finished = 0;
    for (const deploy of deploys.values()) if (deploy.status !== "running") finished++;
    if (finished <= opts.historyLimit) return;
    const old = [...deploys.values()]
      .filter((deploy) => deploy.status !== "running")
      .sort((a, b) => a.started_at - b.started_at);
    for (const deploy of old.slice(0, finished - opts.historyLimit)) deploys.delete(deploy.id);
  }

  /** Folds one record in; tells what changed (for the live stream). */
  function apply(record: DeployRecord): Change {
    if (record.event_id) {
      if (!seen.add(record.event_id)) return { type: "duplicate", deploy: deploys.get(record.id) };
    }
    const existed = deploys.has(record.id);
    const deploy = ensure(record);
    if (!deploy) return { type: "duplicate" };
    // Only a succeeded deploy can have caused an incident: a failed one is a change failure already.
    if (record.t === "incident" && deploy.status !== "succeeded") return { type: "duplicate", deploy };
    // A second verdict changes nothing: the first one stands (and is what the counters saw).
    if (record.t === "finish" && deploy.status !== "running") return { type: "duplicate", deploy };
    inc(stats.events, [record.source]);
    deploy.updated_at = record.at;
    const started = !existed;
    switch (record.t) {
      case "start":
        break;
      case "step": {
        const known = deploy.steps.find((step) => step.name === record.step.name);
        if (known) {
          known.status = record.step.status;
          known.started_at ??= record.step.started_at;
          if (record.step.finished_at !== undefined) known.finished_at = record.step.finished_at;
          if (record.step.log !== undefined) known.log = record.step.log;
        } else deploy.steps.push({ ...record.step });
        if (deploy.status === "running")
          return {
            type: started ? "started" : "updated",
            deploy,
            step: deploy.steps.find((step) => step.name === record.step.name),
          };
        break;
      }
      case "log":
        deploy.logs.push(...record.lines);
        if (deploy.logs.length > opts.logLines) deploy.logs.splice(0, deploy.logs.length - opts.logLines);
        break;
      case "metrics":
        Object.assign(deploy.metrics, record.metrics);
        break;
      case "finish":
        finish(deploy, record.result, record.finished_at);
        return { type: "finished", deploy };
      case "incident":
        if (record.caused) deploy.incident = { by: record.by, at: record.at, note: record.note };
        else delete deploy.incident;
        break;
    }
    return { type: started ? "started" : "updated", deploy };
  }

  function inProgress(): Family {
    const gauge = family({
      name: "opsdeck_deployments_in_progress",
      help: "Deploys started and not yet finished.",
      type: "gauge",
      labelNames: PE,
    });
    for (const deploy of deploys.values())
      inc(gauge, [deploy.project, deploy.environment], deploy.status === "running" ? 1 : 0);
    return gauge;
  }

  /**
   * Successful deploys finished in the last 7 days that an operator said caused an incident, per
   * project and environment (0 for every pair with deploys): the change failure rate's other half.
   * Read at scrape time from the history, so a mark taken back leaves it.
   */
  function incidents(now = Date.now()): Family {
    const gauge = family({
      name: "opsdeck_deployments_caused_incident_7d",
      help: "Successful deploys finished in the last 7 days marked as having caused an incident.",
      type: "gauge",
      labelNames: PE,
    });
    for (const deploy of deploys.values()) {
      const recent = deploy.finished_at !== undefined && deploy.finished_at > now - 7 * 86_400_000;
      inc(gauge, [deploy.project, deploy.environment], recent && deploy.incident ? 1 : 0);
    }
    return gauge;
  }

  function query(criteria: DeployQuery): { deploys: Deploy[]; next_cursor?: string } {
    // Newest first; the cursor is the (started_at, id) of the last item of the previous page.
    let after: [number, string] | undefined;
    if (criteria.cursor) {
      const [startedAt, ...id] = Buffer.from(criteria.cursor, "base64url").toString().split(":");
      after = [Number(startedAt), id.join(":")];
    }
    const all = [...deploys.values()]
      .filter(
        (deploy) =>
          (!criteria.project || deploy.project === criteria.project) &&
          (!criteria.environment || deploy.environment === criteria.environment) &&
          (!criteria.host || (deploy.hosts ?? []).includes(criteria.host)) &&
          (!criteria.status || deploy.status === criteria.status) &&
          (!criteria.source || deploy.source === criteria.source) &&
          (criteria.since === undefined || deploy.started_at >= criteria.since) &&
          (criteria.until === undefined || deploy.started_at <= criteria.until),
      )
      .sort((a, b) => b.started_at - a.started_at || (a.id < b.id ? 1 : -1));
    const start = after
      ? all.findIndex(
          (deploy) => deploy.started_at < after[0] || (deploy.started_at === after[0] && deploy.id < after[1]),
        )
      : 0;
    const page = start < 0 ? [] : all.slice(start, start + criteria.limit);
    const last = page.at(-1);
    const more = start >= 0 && start + criteria.limit < all.length;
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
    running: () => [...deploys.values()].filter((deploy) => deploy.status === "running"),
    families: () => [...Object.values(stats), inProgress(), incidents()],
    dump: () => ({
      deploys: [...deploys.values()],
      seen: seen.dump(),
      failing_since: [...failingSince],
      stats: Object.fromEntries(Object.entries(stats).map(([name, series]) => [name, dump(series)])),
    }),
    load(snapshot: {
      deploys: Deploy[];
      /** Strings in snapshots written before ids were hashed. */
      seen: RecentIdsDump | string[];
      failing_since: [string, number][];
      stats: Record<string, FamilyDump>;
    }) {
      for (const deploy of snapshot.deploys) deploys.set(deploy.id, deploy);
      if (Array.isArray(snapshot.seen)) for (const id of snapshot.seen) seen.add(id);
      else seen = RecentIds.load(REMEMBERED_EVENT_IDS, snapshot.seen);
      for (const [key, since] of snapshot.failing_since) failingSince.set(key, since);
      for (const [name, series] of Object.entries(stats)) restore(series, snapshot.stats[name]);
    },
  };
}

export type DeployState = ReturnType<typeof createDeployState>;

/** A deploy as the API shows it: ISO times and durations in seconds. */
export function view(deploy: Deploy): DeployView {
  const secs = (a?: number, b?: number) => (a !== undefined && b !== undefined ? (b - a) / 1000 : undefined);
  return {
    ...deploy,
    started_at: iso(deploy.started_at),
    finished_at: iso(deploy.finished_at),
    commit_at: iso(deploy.commit_at),
    updated_at: iso(deploy.updated_at),
    duration_seconds: secs(deploy.started_at, deploy.finished_at),
    lead_time_seconds: deploy.status === "succeeded" ? secs(deploy.commit_at, deploy.finished_at) : undefined,
    steps: deploy.steps.map((step) => ({
      ...step,
      started_at: iso(step.started_at),
      finished_at: iso(step.finished_at),
      duration_seconds: secs(step.started_at, step.finished_at),
    })),
    logs: deploy.logs.map((l) => ({ ...l, ts: iso(l.ts) })),
    incident: deploy.incident && { ...deploy.incident, at: iso(deploy.incident.at)! },
  };
}
