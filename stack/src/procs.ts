// Starting, watching and stopping the processes of the native stack. `npm start` and the
// integration tests use the same code: free ports, temp dirs, cleanup even on failure.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, createWriteStream, statSync, type WriteStream } from "node:fs";
import { dirname, resolve } from "node:path";
import { createServer } from "node:net";

/** Whether 127.0.0.1:port can be listened on right now. */
export const canBind = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });

/**
 * Ports this process has handed out or been told are taken (by its config) but which may not be
 * bound yet: freePort must not give them again. A stack picks a dozen ports before any server
 * binds one, and its own start-up picks more (Elasticsearch's transport port) while the portal's
 * configured port still waits for the portal: without this, the same port went out twice (CI).
 */
const handedOut = new Set<number>();

/** Marks ports as taken, so freePort in this process never picks them. */
export function reservePorts(ports: Iterable<number>): void {
  for (const port of ports) handedOut.add(port);
}

/**
 * A free port on 127.0.0.1, chosen below Linux's ephemeral range (32768–60999). Port 0 would
 * come from that range, where every outgoing connection also takes its source port: between
 * picking a port and binding it, a test's own HTTP requests could take it (it happened in CI).
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error("no free port found between 20000 and 32000");
}

export const NOBODY = 65534;

/**
 * The command to run a server that refuses root (Elasticsearch, PostgreSQL; CI machines often
 * are root): as `nobody` then, owning only its own directory, which it can reach (the
 * directories above it let others pass through, not list). As it is when not root.
 */
export function unprivileged(dir: string, bin: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [bin, args];
  execFileSync("chown", ["-R", `${NOBODY}:${NOBODY}`, dir]);
  for (let d = dirname(resolve(dir)); d !== "/"; d = dirname(d))
    if ((statSync(d).mode & 0o001) === 0) chmodSync(d, statSync(d).mode | 0o001);
  return ["setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", bin, ...args]];
}

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  exited: Promise<number | string>;
  /** The last lines it printed, to explain a failure. */
  tail(lines?: number): string;
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** The whole environment (default: ours); a child that needs little gets only what it needs. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Also append everything it prints to this file. */
  logFile?: string;
}

export function spawnProc(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): Proc {
  // Its own process group, so stop() reaches grandchildren too and Ctrl-C reaches only us.
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: (opts.env ?? process.env) as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const lines: string[] = [];
  let file: WriteStream | undefined;
  if (opts.logFile) file = createWriteStream(opts.logFile, { flags: "a" });
  const take = (chunk: Buffer) => {
    file?.write(chunk);
    for (const l of chunk.toString("utf8").split("\n")) if (l) lines.push(l);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      file?.end();
      resolve(code ?? signal ?? "unknown");
    });
    child.once("error", (err) => {
      lines.push(`spawn failed: ${err.message}`);
      file?.end();
      resolve("spawn-error");
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  return {
    name,
    child,
    exited,
    tail: (n = 20) => lines.slice(-n).join("\n"),
    async stop(graceMs = 5000) {
      if (done) return;
      signal("SIGTERM");
      const t = setTimeout(() => signal("SIGKILL"), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

export class StartError extends Error {}

/**
 * Polls `check` until it succeeds. Fails early, with the process's last output, if it exits.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs?: number; proc?: Proc; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let exited: number | string | undefined;
  void opts.proc?.exited.then((c) => (exited = c));
  let lastError = "";
  while (Date.now() < deadline) {
    if (exited !== undefined)
      throw new StartError(`${what}: exited (${exited}) before it was ready\n${opts.proc!.tail()}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
  const tail = opts.proc ? `\n${opts.proc.tail()}` : "";
  throw new StartError(
    `${what}: not ready after ${opts.timeoutMs ?? 30_000} ms${lastError ? ` (${lastError})` : ""}${tail}`,
  );
}

export async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

/** Stops in reverse order of start, each with a grace period, ignoring what already ended. */
export async function stopAll(procs: Proc[]): Promise<void> {
  for (const p of [...procs].reverse()) await p.stop();
}
