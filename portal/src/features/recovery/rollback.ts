// Rolling back from an alert: which project and environment an alert's rollback would go back
// (rollbackFor, plain data), and asking the deploy exporter — with its token, which only the
// portal's server holds — to deploy the previous successful version again through the team's
// own deploy command (exporters/src/deploy/rollback.ts), recorded and tracked as a deploy.
import { portalSources } from "@opsdeck/core";
import { sameApp } from "@opsdeck/core/changes/rank";
import type { RollbackAction } from "@opsdeck/core/actions/action";
import type { DeployView } from "@opsdeck/contracts";
import { config } from "@/lib/config.ts";
import { deployRollbacks, deploys } from "@/lib/sources.ts";
import type { HostAnswer } from "./run.ts";

/** Alerts about the deploy process itself: rolling back is not their answer. */
const NOT_FOR = new Set(["DeployFailed", "DeployStuck", "DeployTimedOut"]);

export interface RollbackContext {
  /** Where a rollback command is configured. */
  configured: { project: string; environment: string }[];
  /** Recent deploys, newest first: which project an app on a host belongs to. */
  recent: Pick<DeployView, "project" | "environment" | "hosts">[];
}

/** The rollback that fits an alert: its project and environment, or its app's on its host. */
export function rollbackFor(labels: Record<string, string>, context: RollbackContext): RollbackAction | undefined {
  if (NOT_FOR.has(labels.alertname)) return undefined;
  const configured = (project: string, environment: string) =>
    context.configured.some((r) => r.project === project && r.environment === environment);
  if (labels.project && labels.environment)
    return configured(labels.project, labels.environment)
      ? { kind: "rollback", project: labels.project, environment: labels.environment }
      : undefined;
  if (!labels.app || !labels.host) return undefined;
  // The newest deploy of the app's project to the alert's host (or to hosts unnamed).
  const deploy = context.recent.find(
    (d) => sameApp(labels.app, d.project) && (!d.hosts?.length || d.hosts.includes(labels.host)),
  );
  return deploy && configured(deploy.project, deploy.environment)
    ? { kind: "rollback", project: deploy.project, environment: deploy.environment }
    : undefined;
}

/** What rollbackFor needs; none when the deploy exporter does not answer (no rollback is offered). */
export async function rollbackContext(): Promise<RollbackContext> {
  const [configured, recent] = await Promise.all([deployRollbacks(), deploys("limit=200")]);
  if (!configured.ok || !configured.data.rollbacks.length || !recent.ok) return { configured: [], recent: [] };
  return { configured: configured.data.rollbacks, recent: recent.data.deploys };
}

export async function runRollback(action: RollbackAction, actor: string, reason: string): Promise<HostAnswer> {
  const c = config();
  const token = c.exporters.deploy.token;
  if (!token) return { status: 503, body: { error: "exporters.deploy.token is not set in opsdeck.yml" } };
  try {
    const res = await fetch(new URL("/api/v1/rollbacks", portalSources(c).deploy_url), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ project: action.project, environment: action.environment, actor, reason }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as HostAnswer["body"];
    // 202: the rollback's deploy is on disk and its command started.
    return res.status === 202 ? { status: 200, body: { ...body, status: "started" } } : { status: res.status, body };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { status: 502, body: { error: `the deploy exporter: ${e.cause?.code ?? e.name}` } };
  }
}
