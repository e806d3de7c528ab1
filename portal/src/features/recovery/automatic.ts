// Automatic recovery: every check_seconds, the firing alerts whose rule names an action
// (rule-action.ts) are weighed against the guardrails (guardrails.ts) and their action run on the
// alert's host (run.ts) — for real, or as a dry run — kept and told like a run by hand
// (record.ts). A guardrail that holds an action back is audited once per firing and reason; one
// that ends the firing's chance (the hourly limit, no app, no key) is told in the alert's thread
// too. A real run whose alert still fires, unacknowledged, after the rule's resolve_within is
// told as well: over to on-call. What this needs to remember (the runs of the last hours, what
// it has said) is read back from the audit trail at start, so a portal restart neither repeats a
// run nor forgets a limit.
import { createLogger } from "@opsdeck/core";
import { sameApp } from "@opsdeck/core/changes/rank";
import type { SkipReason } from "@opsdeck/core/actions/recovery-note";
import type { Action } from "@opsdeck/core/actions/action";
import { auditEntries } from "@/features/audit/trail.ts";
import { audit } from "@/lib/audit.ts";
import { config } from "@/lib/config.ts";
import { amAlerts, deploys, type AmAlert } from "@/lib/sources.ts";
import { durationMs } from "../rules/periods.ts";
import { followUp } from "./follow-up.ts";
import { decide, episodeOf, SKIP_KINDS, type AutomaticRun } from "./guardrails.ts";
import { RECOVERY_AUDIT_ACTION, recordRun, ruleUser, SKIPPED_AUDIT_ACTION, UNRESOLVED_AUDIT_ACTION } from "./record.ts";
import { automaticAction, ruleRecovery } from "./rule-action.ts";
import { actionHosts, runOnHost } from "./run.ts";

/** Long enough for the hourly limit and the longest cool-down this reads back. */
const REMEMBER_MS = 25 * 3_600_000;

const log = createLogger({ service: "portal", dataset: "opsdeck.portal" });

interface Watched {
  fingerprint: string;
  startsAt: string;
  host: string;
  action: Action;
  resolveBy: number;
  resolveWithin: string;
}

const runs: AutomaticRun[] = [];
/** `${episode} ${reason}` already audited. */
const told = new Set<string>();
/** Real runs, by episode, until their alert resolves or their time to resolve is up. */
const watched = new Map<string, Watched>();

/** The runs, skips and deadlines of the last hours, from the audit trail. */
function remember(now: number) {
  const { entries } = auditEntries({ action: "recovery", limit: 200 });
  for (const e of entries.reverse()) {
    const at = Date.parse(e["@timestamp"]);
    const f = e.fields as Record<string, string | boolean | number | undefined>;
    const episode = f["opsdeck.recovery.episode"];
    if (now - at > REMEMBER_MS || typeof episode !== "string") continue;
    if (e.action === RECOVERY_AUDIT_ACTION) {
      runs.push({
        episode,
        app: String(f["opsdeck.action.app"]),
        host: String(f["host.name"]),
        at,
        dryRun: f["opsdeck.action.dry_run"] === true,
      });
      const resolveBy = Number(f["opsdeck.recovery.resolve_by"]);
      const action = f["opsdeck.action"];
      if (resolveBy > now && typeof action === "string")
        watched.set(episode, {
          fingerprint: episode.split("@")[0],
          startsAt: episode.slice(episode.indexOf("@") + 1),
          host: String(f["host.name"]),
          action: JSON.parse(action) as Action,
          resolveBy,
          resolveWithin: String(f["opsdeck.recovery.resolve_within"]),
        });
    } else if (e.action === SKIPPED_AUDIT_ACTION) told.add(`${episode} ${String(f["opsdeck.recovery.reason"])}`);
    else if (e.action === UNRESOLVED_AUDIT_ACTION) watched.delete(episode);
  }
}

/** Running deploys of the alert's app to its host (or to hosts unnamed); undefined: the deploy exporter did not answer. */
async function deployingCheck(): Promise<((app: string, host: string) => boolean) | undefined> {
  const running = await deploys("status=running&limit=500");
  if (!running.ok) return undefined;
  return (app, host) =>
    running.data.deploys.some((d) => sameApp(app, d.project) && (!d.hosts?.length || d.hosts.includes(host)));
}

async function skipped(alert: AmAlert, reason: SkipReason, detail: string | undefined, action: Action | undefined) {
  const episode = episodeOf(alert);
  const key = `${episode} ${reason}`;
  if (told.has(key)) return;
  told.add(key);
  const alertname = alert.labels.alertname;
  await audit(
    ruleUser(alertname),
    SKIPPED_AUDIT_ACTION,
    {
      "opsdeck.recovery.episode": episode,
      "opsdeck.recovery.reason": reason,
      ...(action && {
        "opsdeck.action.kind": action.kind,
        "opsdeck.action.app": action.app,
        "opsdeck.action": JSON.stringify(action),
      }),
      ...(alert.labels.host && { "host.name": alert.labels.host }),
    },
    { target: `alert:${alert.fingerprint}`, after: { reason, ...(detail && { detail }) } },
  );
  log.info(`automatic recovery for ${alertname} held back: ${reason}`, {
    "opsdeck.alert.fingerprint": alert.fingerprint,
  });
  if (SKIP_KINDS[reason] === "final" && action)
    void followUp(alert, {
      trigger: "automatic",
      by: alertname,
      host: alert.labels.host ?? "",
      action,
      outcome: "skipped",
      reason,
    });
}

async function runFor(alert: AmAlert, action: Action, dryRun: boolean, resolveWithin: string, now: number) {
  const host = alert.labels.host;
  const episode = episodeOf(alert);
  // Counted before it runs: the next check must not run it again while this one waits.
  runs.push({ episode, app: action.app, host, at: now, dryRun });
  const answer = await runOnHost(host, action, { dryRun, trigger: "automatic" });
  const resolveBy = Date.now() + durationMs(resolveWithin);
  const outcome = await recordRun({
    by: alert.labels.alertname,
    trigger: "automatic",
    alert,
    host,
    action,
    answer,
    fields: {
      "opsdeck.recovery.episode": episode,
      "opsdeck.action.dry_run": dryRun,
      // Read back at start (remember()): its deadline.
      ...(!dryRun && { "opsdeck.recovery.resolve_by": resolveBy, "opsdeck.recovery.resolve_within": resolveWithin }),
    },
  });
  if (!dryRun && outcome !== "refused")
    watched.set(episode, {
      fingerprint: alert.fingerprint,
      startsAt: alert.startsAt,
      host,
      action,
      resolveBy,
      resolveWithin,
    });
}

/** Real runs whose time is up: told once if their alert still fires unacknowledged, else let go. */
async function checkWatched(alerts: AmAlert[], now: number) {
  for (const [episode, w] of watched) {
    const alert = alerts.find((a) => episodeOf(a) === episode);
    if (!alert) {
      watched.delete(episode); // resolved
      continue;
    }
    if (now < w.resolveBy) continue;
    watched.delete(episode);
    // Acknowledged meanwhile: someone has it already.
    if (alert.status.state !== "active") continue;
    await audit(
      ruleUser(alert.labels.alertname),
      UNRESOLVED_AUDIT_ACTION,
      {
        "opsdeck.recovery.episode": episode,
        "opsdeck.action.kind": w.action.kind,
        "opsdeck.action.app": w.action.app,
        "opsdeck.action": JSON.stringify(w.action),
        "host.name": w.host,
      },
      { target: `alert:${alert.fingerprint}`, after: { still_firing_after: w.resolveWithin } },
    );
    void followUp(alert, {
      trigger: "automatic",
      by: alert.labels.alertname,
      host: w.host,
      action: w.action,
      outcome: "unresolved",
      resolve_within: w.resolveWithin,
    });
  }
}

/** One look at the firing alerts. */
export async function checkOnce(now = Date.now()): Promise<void> {
  const keyHosts = actionHosts();
  const alerts = await amAlerts();
  if (!alerts.ok) throw new Error(`Alertmanager: ${alerts.error}`);
  await checkWatched(alerts.data, now);
  const candidates = alerts.data.filter((a) => ruleRecovery(a.annotations));
  if (!candidates.length) return;
  const deploying = await deployingCheck();
  const limits = config().portal.recovery;
  for (const alert of candidates) {
    const decision = decide({
      alert: { ...alert, state: alert.status.state },
      runs,
      deploying: deploying && alert.labels.app ? deploying(alert.labels.app, alert.labels.host ?? "") : undefined,
      keyHosts,
      limits,
      now,
    });
    if (decision.do === "skip")
      await skipped(alert, decision.reason, decision.detail, automaticAction(decision.recovery.action, alert.labels));
    else if (decision.do === "run")
      await runFor(alert, decision.action, decision.dryRun, decision.recovery.resolve_within, now);
  }
  while (runs.length && now - runs[0].at > REMEMBER_MS) runs.shift();
}

/**
 * Starts the checks (instrumentation.ts); one at a time, an outage said once; only while `leads`
 * (several portals: the one holding the lease, so an action runs once).
 */
export function startAutomaticRecovery(leads: () => boolean = () => true): void {
  let busy = false;
  let failing = "";
  let leading = false;
  setInterval(() => {
    if (busy) return;
    if (!leads()) return void (leading = false);
    // Taking over from another portal (sharing the data directory): its runs are in the audit trail.
    if (!leading) {
      runs.length = 0;
      told.clear();
      watched.clear();
      remember(Date.now());
      leading = true;
    }
    busy = true;
    checkOnce()
      .then(() => {
        if (failing) log.info("automatic recovery: checking again");
        failing = "";
      })
      .catch((err: Error) => {
        if (err.message !== failing) log.warn(`automatic recovery: ${err.message}`);
        failing = err.message;
      })
      .finally(() => (busy = false));
  }, config().portal.recovery.check_seconds * 1000).unref();
}
