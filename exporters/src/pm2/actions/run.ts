// Running a planned action on this host: its steps one after another within the action's time
// limit, stopping at the first that fails; the result says what ran, what each step answered and
// how long it took, and is logged as an ECS event (Filebeat ships it) besides being answered.
import { spawn } from "node:child_process";
import { truncate } from "node:fs/promises";
import type { Logger } from "@opsdeck/core";
import type { Pm2Process } from "../daemon.ts";
import { describeAction, type Action } from "@opsdeck/core/actions/action";
import { plan, type Runbooks } from "./catalogue.ts";
import { callDaemon } from "./rpc.ts";

export interface StepResult {
  what: string;
  ok: boolean;
  error?: string;
  ms: number;
  /** A runbook script's output (its last lines). */
  output?: string;
}

export interface ActionResult {
  id: string;
  host: string;
  action: Action;
  description: string;
  /** dry-run: planned against this host's processes, nothing run (each step's ms is 0). */
  status: "succeeded" | "failed" | "dry-run";
  steps: StepResult[];
  started_at: string;
  finished_at: string;
}

export async function runAction(
  request: { id: string; host: string; action: Action; dry_run?: boolean },
  opts: { pm2Home?: string; list: () => Promise<Pm2Process[]>; timeoutMs: number; log: Logger; runbooks?: Runbooks },
): Promise<ActionResult | { refused: string }> {
  const started = Date.now();
  const planned = plan(request.action, await opts.list(), opts.runbooks);
  const description = describeAction(request.action);
  const fields = { "opsdeck.action.id": request.id, "opsdeck.action.kind": request.action.kind };
  if (!planned.ok) {
    opts.log.warn(`action refused: ${description}: ${planned.reason}`, fields);
    return { refused: planned.reason };
  }
  if (request.dry_run) {
    opts.log.info(`action planned (dry run): ${description}`, fields);
    const at = new Date(started).toISOString();
    return {
      ...request,
      description,
      status: "dry-run",
      steps: planned.steps.map((s) => ({ what: s.what, ok: true, ms: 0 })),
      started_at: at,
      finished_at: at,
    };
  }
  const steps: StepResult[] = [];
  for (const step of planned.steps) {
    const t0 = Date.now();
    const left = started + opts.timeoutMs - t0;
    try {
      if (left <= 0) throw new Error(`the action's ${opts.timeoutMs / 1000} s ran out`);
      let output: string | undefined;
      if ("truncate" in step) await truncate(step.truncate, 0);
      else if ("run" in step) output = await runScript(step.run, step.cwd, left);
      else await callDaemon(opts.pm2Home, step.call, step.arg, left);
      steps.push({ what: step.what, ok: true, ms: Date.now() - t0, ...(output && { output }) });
    } catch (err) {
      const e = err as Error & { output?: string };
      steps.push({
        what: step.what,
        ok: false,
        error: e.message,
        ms: Date.now() - t0,
        ...(e.output && { output: e.output }),
      });
      break;
    }
  }
  const status = steps.length === planned.steps.length && steps.every((s) => s.ok) ? "succeeded" : "failed";
  const result: ActionResult = {
    ...request,
    description,
    status,
    steps,
    started_at: new Date(started).toISOString(),
    finished_at: new Date().toISOString(),
  };
  (status === "succeeded" ? opts.log.info : opts.log.warn)(`action ${status}: ${description}`, {
    ...fields,
    "event.outcome": status === "succeeded" ? "success" : "failure",
    "event.duration": (Date.now() - started) * 1_000_000,
  });
  return result;
}

/** The output a runbook script's result keeps: its last 4 KB. */
const OUTPUT_BYTES = 4096;

/**
 * Runs a runbook script without a shell, with only PATH and HOME of the exporter's environment
 * (its key stays here); resolves with its output on exit 0, rejects with it otherwise.
 */
function runScript(command: string[], cwd: string | undefined, timeoutMs: number): Promise<string> {
  const [file, ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/" },
    });
    let output = "";
    const keep = (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-OUTPUT_BYTES));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const limit = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    let failed: Error | undefined;
    child.on("error", (err) => (failed = err));
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      const text = output.trim();
      if (code === 0 && !failed) return resolve(text);
      const why = failed
        ? `it did not start: ${failed.message}`
        : signal
          ? `it was stopped (${signal}): the action's time ran out`
          : `it exited with ${code}`;
      reject(Object.assign(new Error(why), { output: text }));
    });
  });
}
