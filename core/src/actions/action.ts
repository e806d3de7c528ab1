// The recovery actions OpsDeck can take: a small fixed catalogue. The host actions are signed by
// the central OpsDeck and carried out by the host's PM2 exporter (exporters/src/pm2/actions/);
// a rollback is the deploy exporter's, through the team's own deploy command
// (exporters/src/deploy/rollback.ts). Nothing here is free text: an app is a name as PM2 lists
// it, a project or environment a deploy label, an instance or a count a number.
import { z } from "zod";

const app = z.string().regex(/^[\w.@-]{1,100}$/, "an app's name as PM2 lists it");

export const actionSchema = z.discriminatedUnion("kind", [
  /** Stop and start the app's processes (one instance, or all), as `pm2 restart`. */
  z.strictObject({ kind: z.literal("restart"), app, instance: z.number().int().min(0).max(1024).optional() }),
  /** A cluster app's zero-downtime reload, one worker at a time, as `pm2 reload`. */
  z.strictObject({ kind: z.literal("reload"), app }),
  /** A cluster app to this many workers, as `pm2 scale`. */
  z.strictObject({ kind: z.literal("scale"), app, instances: z.number().int().min(1).max(64) }),
  /** A runbook script the host lists by this name (exporters.pm2.actions.runbooks), for the app. */
  z.strictObject({
    kind: z.literal("runbook"),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a runbook's name as the host lists it"),
    app,
  }),
  /** After a fix: the restart counters back to 0, as `pm2 reset` (PM2ProcessCrashLooping resolves). */
  z.strictObject({ kind: z.literal("reset-restarts"), app }),
  /** The app's out and error logs emptied, as `pm2 flush <app>`, when they fill a disk. */
  z.strictObject({ kind: z.literal("flush-logs"), app }),
]);
export type Action = z.infer<typeof actionSchema>;
export type ActionKind = Action["kind"];

const deployLabel = z.string().regex(/^[\w.\-/@]{1,100}$/, "a project or environment as deploys name it");

/** Deploy the previous successful version of a project and environment again. */
export const rollbackActionSchema = z.strictObject({
  kind: z.literal("rollback"),
  project: deployLabel,
  environment: deployLabel,
});
export type RollbackAction = z.infer<typeof rollbackActionSchema>;

/** Any action of the catalogue: a host's, or a rollback. */
export const recoveryActionSchema = z.discriminatedUnion("kind", [...actionSchema.options, rollbackActionSchema]);
export type RecoveryAction = z.infer<typeof recoveryActionSchema>;

/** What it acts on, as the audit trail, the timeline and the guardrails name it: the app, or the project. */
export const actionTarget = (action: RecoveryAction) => (action.kind === "rollback" ? action.project : action.app);

/** What the confirmation says will run where, and what the audit trail records. */
export function describeAction(action: RecoveryAction): string {
  switch (action.kind) {
    case "rollback":
      return `roll ${action.project} (${action.environment}) back to its previous successful version`;
    case "restart":
      return `restart ${action.app}${action.instance === undefined ? " (all instances)" : `#${action.instance}`}`;
    case "reload":
      return `reload ${action.app} (one worker at a time)`;
    case "scale":
      return `scale ${action.app} to ${action.instances} instances`;
    case "reset-restarts":
      return `reset ${action.app}'s restart counters`;
    case "flush-logs":
      return `empty ${action.app}'s log files`;
    case "runbook":
      return `run the runbook script ${action.name} for ${action.app}`;
  }
}
