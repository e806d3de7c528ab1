// Roll back: deploy the previous successful version of a project and environment again, with the
// team's own deploy command from opsdeck.yml (exporters.deploy.rollbacks). The exporter records
// it as a deploy (source opsdeck-rollback, the operator as actor) before it starts the command,
// runs it without a shell ({project}, {environment}, {version}, {deploy_id} replaced inside the
// configured arguments — nothing from the request reaches the command line but those checked
// values), keeps its output as the deploy's log and finishes the deploy with its exit: tracked
// like any deploy (history, DORA, the live stream, DeployFailed).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { HttpError, type DeployExporterConfig } from "@opsdeck/core";
import { label, type Deploy, type DeployRecord, type LogLine } from "./model.ts";
import type { DeployState } from "./state.ts";

export const rollbackSchema = z.strictObject({
  project: label,
  environment: label,
  /** Who asked (the portal passes the signed-in operator). */
  actor: z.string().trim().min(1).max(200),
  reason: z.string().trim().max(500).optional(),
});
export type RollbackRequest = z.infer<typeof rollbackSchema>;

export const ROLLBACK_SOURCE = "opsdeck-rollback";
/** A version a rollback command may get: letters, digits and . _ - + @ / : (no spaces, quotes or $). */
const SAFE_VERSION = /^[\w.+@/:-]{1,200}$/;
/** The output kept as the deploy's log: the command's last lines. */
const KEPT_LINES = 200;

/** The deploy to roll back to: the newest successful one before the current, of another version. */
export function rollbackTarget(
  deploys: Iterable<Deploy>,
  project: string,
  environment: string,
): { current: Deploy; target: Deploy } | { error: string } {
  const mine = [...deploys]
    .filter((d) => d.project === project && d.environment === environment)
    .sort((a, b) => b.started_at - a.started_at);
  const current = mine[0];
  if (!current) return { error: `no deploy of ${project}/${environment} is known` };
  if (current.status === "running") return { error: `a deploy of ${project}/${environment} is running` };
  const deployed = mine.find((d) => d.status === "succeeded")?.version;
  const target = mine.find((d) => d.status === "succeeded" && d.version && d.version !== deployed);
  if (!target) return { error: `no earlier successful version of ${project}/${environment} to roll back to` };
  return { current, target };
}

const fill = (arg: string, values: Record<string, string>) =>
  arg.replace(/\{(project|environment|version|deploy_id)\}/g, (_, key: string) => values[key]);

export function startRollback(
  request: RollbackRequest,
  deps: {
    config: DeployExporterConfig;
    state: DeployState;
    accept(records: DeployRecord[]): Promise<unknown>;
    log: { warn(message: string, fields?: Record<string, unknown>): void };
  },
): Promise<{ id: string; version: string; from?: string }> {
  const { project, environment } = request;
  const configured = deps.config.rollbacks.find((r) => r.project === project && r.environment === environment);
  if (!configured)
    throw new HttpError(404, `no rollback command for ${project}/${environment} in exporters.deploy.rollbacks`);
  const found = rollbackTarget(deps.state.deploys.values(), project, environment);
  if ("error" in found) throw new HttpError(409, found.error);
  const { current, target } = found;
  const version = target.version!;
  // It becomes a command's argument: a plain tag only, whatever CI once reported.
  if (!SAFE_VERSION.test(version))
    throw new HttpError(409, `the version to roll back to is not a plain tag: ${JSON.stringify(version.slice(0, 80))}`);
  const id = `${project}-rollback-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const at = () => ({ id, at: Date.now(), source: ROLLBACK_SOURCE });
  const stepName = `roll back to ${version}`;
  return (async () => {
    await deps.accept([
      {
        ...at(),
        t: "start",
        info: {
          project,
          environment,
          version,
          ...(target.commit && { commit: target.commit }),
          actor: request.actor,
          ...(target.hosts && { hosts: target.hosts }),
        },
      },
      { ...at(), t: "step", step: { name: stepName, status: "running", started_at: Date.now() } },
      {
        ...at(),
        t: "log",
        lines: [
          {
            ts: Date.now(),
            level: "info",
            message: `roll back from ${current.version ?? current.id} to ${version} (deploy ${target.id}), asked by ${request.actor}${request.reason ? `: ${request.reason}` : ""}`,
          },
        ],
      },
    ]);
    void run(configured, { project, environment, version, deploy_id: id }, async (ok, lines, why) => {
      const now = Date.now();
      await deps.accept([
        ...(lines.length ? [{ ...at(), t: "log" as const, lines }] : []),
        ...(why ? [{ ...at(), t: "log" as const, lines: [{ ts: now, level: "error" as const, message: why }] }] : []),
        {
          ...at(),
          t: "step",
          step: { name: stepName, status: ok ? "succeeded" : "failed", started_at: now, finished_at: now },
        },
        { ...at(), t: "finish", result: ok ? "succeeded" : "failed", finished_at: now },
      ]);
    }).catch((err: Error) => deps.log.warn(`rollback ${id}: ${err.message}`));
    return { id, version, ...(current.version && { from: current.version }) };
  })();
}

/** Runs the command; `done` gets whether it exited 0, its last output lines, and why not. */
function run(
  configured: DeployExporterConfig["rollbacks"][number],
  values: Record<string, string>,
  done: (ok: boolean, lines: LogLine[], why?: string) => Promise<void>,
): Promise<void> {
  const [file, ...args] = configured.command.map((a) => fill(a, values));
  const lines: LogLine[] = [];
  const keep = (level: "info" | "error") => (chunk: Buffer) => {
    for (const message of chunk.toString("utf8").split("\n").filter(Boolean))
      lines.push({ ts: Date.now(), level, message: message.slice(0, 8192) });
    if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
  };
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: configured.working_dir,
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
      // Only what a deploy command needs to find its tools, and which deploy this is.
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/",
        OPSDECK_DEPLOY_ID: values.deploy_id,
        OPSDECK_DEPLOY_VERSION: values.version,
      },
    });
    const limit = setTimeout(() => child.kill("SIGTERM"), configured.timeout_minutes * 60_000);
    child.stdout.on("data", keep("info"));
    child.stderr.on("data", keep("error"));
    let why: string | undefined;
    child.on("error", (err) => (why = `the rollback command did not start: ${err.message}`));
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      if (!why && code !== 0)
        why = signal ? `the rollback command was stopped (${signal})` : `the rollback command exited with ${code}`;
      void done(code === 0 && !why, lines, why).then(resolve, resolve);
    });
  });
}
