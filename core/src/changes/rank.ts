// "What changed before this alert?": the changes OpsDeck knows of (deploys, PM2 restarts and
// crashes, configuration changes from the audit log, hosts that went down) ranked for one alert
// by rules simple enough to print beside the answer — how long before the alert each happened,
// and whether it touched the same app, project, host or environment. No learning, no guessing:
// the page and the message say which rules matched (`reasons`).
import { CHANGE_KINDS } from "@opsdeck/contracts/changes";
import { z } from "zod";

export { CHANGE_KINDS };
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const changeSchema = z.strictObject({
  kind: z.enum(CHANGE_KINDS),
  /** When it happened (epoch ms): a deploy's start, a restart's first sample, a host's fall. */
  at: z.number(),
  /** When it ended, where it has an end (a deploy's finish, a host back up). */
  until: z.number().optional(),
  /** What it was, as data (not translated): "shop v1.4.2", "demo-shop ×3", "silence-created". */
  title: z.string(),
  project: z.string().optional(),
  environment: z.string().optional(),
  /** The host it happened on, or the hosts a deploy went to. */
  hosts: z.array(z.string()).default([]),
  app: z.string().optional(),
  /** A deploy's: who, which commit and version, and how it ended. */
  actor: z.string().optional(),
  commit: z.string().optional(),
  version: z.string().optional(),
  result: z.string().optional(),
  /** How many (restarts in the window). */
  count: z.number().optional(),
  /** Where the portal shows it (a deploy's page). */
  link: z.string().optional(),
});
export type Change = z.infer<typeof changeSchema>;

/** Why a change ranks where it does; each is one rule, and each is said on the page. */
export const REASONS = [
  "same_app",
  "same_project",
  "same_host",
  "same_environment",
  "failed",
  "crash",
  "host_down",
  "restarts_after",
] as const;
export type Reason = (typeof REASONS)[number];

export interface RankedChange extends Change {
  score: number;
  /** Minutes from the change to the alert's start (0 when it happened in the alert's first minute). */
  minutesBefore: number;
  reasons: Reason[];
}

/** The rules, with their weights: what the page prints under "how this is ranked". */
export const RULES = {
  /** Up to this much for a change right before the alert, falling linearly to 0 at the window's start. */
  recency: 3,
  same_app: 3,
  same_project: 3,
  same_host: 2,
  same_environment: 1,
  /** A deploy that failed or was rolled back. */
  failed: 1,
  /**
   * A deploy whose app restarted or crashed after it (on its hosts, when it names them): those
   * restarts are the deploy's effect, so the deploy ranks above them.
   */
  restarts_after: 2,
  kind: { deploy: 2, crash: 1.5, "host-down": 1.5, restart: 1, config: 1 } satisfies Record<ChangeKind, number>,
} as const;

/** Changes this long after the alert began still count: clocks and scrape intervals differ. */
export const AFTER_START_MS = 60_000;

/**
 * An app and a project are the same when the names are, or when the project's name is one of
 * the app's words ("demo-shop" runs project "shop"): how PM2 apps are usually named after what
 * they deploy.
 */
export function sameApp(app: string | undefined, project: string | undefined): boolean {
  if (!app || !project) return false;
  if (app === project) return true;
  return app.split(/[-_.:@/]/).includes(project);
}

export interface AlertScope {
  /** When the alert (group) began firing, epoch ms. */
  startsAt: number;
  labels: Record<string, string>;
}

/** The alert's scope: its project (or app) and environment, host and job labels. */
function scopeOf(labels: Record<string, string>) {
  return {
    project: labels.project,
    environment: labels.environment ?? labels.env,
    host: labels.host,
    app: labels.app ?? labels.service,
  };
}

/**
 * Whether the deploy's app restarted or crashed after it — before the alert, and before the next
 * deploy of its project replaced it — where it went (anywhere, if it did not say).
 */
function restartedAfter(deploy: Change, changes: Change[], until: number): boolean {
  const replacedAt = Math.min(
    until,
    ...changes
      .filter(
        (c) =>
          c.kind === "deploy" &&
          c.project === deploy.project &&
          c.environment === deploy.environment &&
          c.at > deploy.at,
      )
      .map((c) => c.at),
  );
  return changes.some(
    (c) =>
      (c.kind === "restart" || c.kind === "crash") &&
      c.at >= deploy.at &&
      c.at <= replacedAt &&
      sameApp(c.app, deploy.project) &&
      (deploy.hosts.length === 0 || c.hosts.some((host) => deploy.hosts.includes(host))),
  );
}

/** Ranks the changes of the window before an alert, best first; changes outside it are left out. */
export function rankChanges(alert: AlertScope, changes: Change[], windowMs: number): RankedChange[] {
  const scope = scopeOf(alert.labels);
  const from = alert.startsAt - windowMs;
  const until = alert.startsAt + AFTER_START_MS;
  const ranked: RankedChange[] = [];
  for (const change of changes) {
    if (change.at < from || change.at > until) continue;
    const reasons: Reason[] = [];
    const appMatch =
      (!!scope.app && (change.app === scope.app || sameApp(scope.app, change.project))) ||
      (!!change.app && sameApp(change.app, scope.project));
    if (appMatch) reasons.push("same_app");
    else if (scope.project && change.project === scope.project) reasons.push("same_project");
    if (scope.host && change.hosts.includes(scope.host)) reasons.push("same_host");
    if (scope.environment && change.environment === scope.environment) reasons.push("same_environment");
    if (change.kind === "deploy" && change.result && change.result !== "succeeded" && change.result !== "running")
      reasons.push("failed");
    if (change.kind === "deploy" && restartedAfter(change, changes, until)) reasons.push("restarts_after");
    if (change.kind === "crash") reasons.push("crash");
    if (change.kind === "host-down") reasons.push("host_down");
    const before = Math.max(0, alert.startsAt - change.at);
    const recency = RULES.recency * (1 - Math.min(before, windowMs) / windowMs);
    const score =
      recency +
      RULES.kind[change.kind] +
      reasons.reduce((sum, r) => sum + (r in RULES ? (RULES[r as keyof typeof RULES] as number) : 0), 0);
    ranked.push({
      ...change,
      score: Math.round(score * 100) / 100,
      minutesBefore: Math.round(before / 60_000),
      reasons,
    });
  }
  return ranked.sort((a, b) => b.score - a.score || b.at - a.at);
}
