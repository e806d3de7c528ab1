// How a host's PM2 exporter carries out a recovery action (core/src/actions/action.ts): its
// preconditions checked against the process list PM2 has now, and the daemon calls it takes (or
// the files it truncates). A plan only ever names that app's processes.
import type { Action } from "@opsdeck/core/actions/action";
import type { Pm2Process } from "../daemon.ts";

/** One step: a call to the daemon (its RPC method and argument), a log file to empty, or a runbook script to run. */
export type Step =
  | { call: "restartProcessId" | "reloadProcessId"; arg: { id: number }; what: string }
  | { call: "resetMetaProcessId" | "duplicateProcessId" | "deleteProcessId"; arg: number; what: string }
  | { truncate: string; what: string }
  | { run: string[]; cwd?: string; what: string };

/** The runbook scripts this host lists (opsdeck.yml). */
export type Runbooks = { name: string; command: string[]; working_dir?: string }[];

/** The plan, or why this action does not fit the app as it is now (a 409). */
export type Plan = { ok: true; steps: Step[] } | { ok: false; reason: string };

const instanceOf = (p: Pm2Process) => Number(p.pm2_env?.NODE_APP_INSTANCE ?? 0);
const label = (p: Pm2Process) => `${p.name}#${instanceOf(p)} (pm_id ${p.pm_id})`;
const isCluster = (ps: Pm2Process[]) => ps.every((p) => p.pm2_env?.exec_mode === "cluster_mode");

export function plan(action: Action, processes: Pm2Process[], runbooks: Runbooks = []): Plan {
  const mine = processes.filter((p) => p.name === action.app).sort((a, b) => a.pm_id - b.pm_id);
  if (!mine.length) return { ok: false, reason: `PM2 runs no app "${action.app}" here` };
  switch (action.kind) {
    case "restart": {
      const chosen = action.instance === undefined ? mine : mine.filter((p) => instanceOf(p) === action.instance);
      if (!chosen.length) return { ok: false, reason: `${action.app} has no instance ${action.instance}` };
      return {
        ok: true,
        steps: chosen.map((p) => ({ call: "restartProcessId", arg: { id: p.pm_id }, what: `restart ${label(p)}` })),
      };
    }
    case "reload":
      if (!isCluster(mine)) return { ok: false, reason: `${action.app} runs in fork mode: reload is for cluster apps` };
      return {
        ok: true,
        steps: mine.map((p) => ({ call: "reloadProcessId", arg: { id: p.pm_id }, what: `reload ${label(p)}` })),
      };
    case "scale": {
      if (!isCluster(mine)) return { ok: false, reason: `${action.app} runs in fork mode: only cluster apps scale` };
      const more = action.instances - mine.length;
      if (more === 0) return { ok: false, reason: `${action.app} runs ${mine.length} instances already` };
      if (more > 0)
        return {
          ok: true,
          steps: Array.from({ length: more }, () => ({
            call: "duplicateProcessId",
            arg: mine[0].pm_id,
            what: `start one more ${action.app} worker`,
          })),
        };
      // The newest workers go, as `pm2 scale` does.
      return {
        ok: true,
        steps: mine
          .slice(more)
          .reverse()
          .map((p) => ({ call: "deleteProcessId", arg: p.pm_id, what: `stop and remove ${label(p)}` })),
      };
    }
    case "reset-restarts":
      return {
        ok: true,
        steps: mine.map((p) => ({ call: "resetMetaProcessId", arg: p.pm_id, what: `reset ${label(p)}'s restarts` })),
      };
    case "flush-logs": {
      const files = [...new Set(mine.flatMap((p) => [p.pm2_env?.pm_out_log_path, p.pm2_env?.pm_err_log_path]))].filter(
        (f): f is string => !!f && f !== "/dev/null",
      );
      if (!files.length) return { ok: false, reason: `${action.app} writes no log file` };
      return { ok: true, steps: files.map((f) => ({ truncate: f, what: `empty ${f}` })) };
    }
    case "runbook": {
      const runbook = runbooks.find((r) => r.name === action.name);
      if (!runbook) return { ok: false, reason: `this host lists no runbook script "${action.name}"` };
      const run = runbook.command.map((arg) => arg.replaceAll("{app}", action.app));
      return {
        ok: true,
        steps: [
          {
            run,
            ...(runbook.working_dir && { cwd: runbook.working_dir }),
            what: `run ${action.name} for ${action.app}`,
          },
        ],
      };
    }
  }
}
