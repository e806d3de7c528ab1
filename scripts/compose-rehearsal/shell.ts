// What the compose rehearsal's parts share: where it keeps its state, its Docker client's
// environment (Compose as the CLI plugin in its own DOCKER_CONFIG), running a command, waiting.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "opsdeck", "rehearsal");
export const DOCKER_CONFIG = join(CACHE, "docker-config");
export const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG };
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; quiet?: boolean } = {}): string {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env,
    input: opts.input,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: opts.quiet === false ? ["pipe", "inherit", "inherit"] : "pipe",
  });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${r.status}):\n${(r.stderr ?? "").slice(-3000)}${(r.stdout ?? "").slice(-2000)}`,
    );
  return r.stdout ?? "";
}
export const docker = (...args: string[]) => run("docker", args);

export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${last.slice(0, 300)})` : ""}`);
    await sleep(2000);
  }
}

export const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;

/** The rehearsal's checks, each printed as it runs and kept for the table at the end. */
export function checklist() {
  const results: { check: string; result: string; took: string }[] = [];
  async function step<T>(check: string, fn: () => Promise<T> | T): Promise<T> {
    const t = Date.now();
    process.stdout.write(`rehearsal: ${check} … `);
    try {
      const value = await fn();
      const result = typeof value === "string" ? value : "ok";
      console.log(`${result} (${seconds(t)})`);
      results.push({ check, result, took: seconds(t) });
      return value;
    } catch (err) {
      console.log("FAILED");
      results.push({ check, result: `FAILED: ${(err as Error).message.split("\n")[0]}`, took: seconds(t) });
      throw err;
    }
  }
  return { step, results };
}

/** Each running container's memory (docker stats) against its limit, printed; the totals. */
export function memoryInUse() {
  const rows = run("docker", ["stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}"]).trim().split("\n");
  const mib = (v: string) => {
    const m = /([\d.]+)\s*([KMG]i?B)/.exec(v)!;
    return (
      Number(m[1]) *
      ({ KiB: 1 / 1024, MiB: 1, GiB: 1024, kB: 1 / 1000, MB: 1, GB: 1000 } as Record<string, number>)[m[2]]
    );
  };
  const used = rows
    .map((r) => r.split("\t"))
    .map(([name, usage]) => ({ name, used: mib(usage.split("/")[0]), limit: mib(usage.split("/")[1]) }));
  for (const u of used)
    console.log(`  ${u.name.padEnd(40)} ${u.used.toFixed(0).padStart(6)} MiB of ${u.limit.toFixed(0)}`);
  return {
    used,
    total: used.reduce((a, b) => a + b.used, 0),
    limits: used.reduce((a, b) => a + b.limit, 0),
  };
}

/** A server's checkout: what a clone holds (the tracked files and new ones not ignored) of `repo`. */
export function copyCheckout(repo: string, dest: string) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const files = run("git", ["ls-files", "-co", "--exclude-standard"], { cwd: repo }).split("\n").filter(Boolean);
  for (const f of files)
    if (existsSync(join(repo, f))) cpSync(join(repo, f), join(dest, f), { recursive: true, preserveTimestamps: true });
}

/**
 * The `node -e` script a check runs inside a container (`docker compose exec -T portal node -e …`):
 * fetch(url, init), then print the answer's body and exit 1 unless it is 2xx ("body"), or print
 * its status ("status"). A failed connection exits 2 with the reason.
 */
export function fetchScript(url: string, init: object, print: "body" | "status"): string {
  const then =
    print === "body"
      ? "async r => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1) }"
      : "r => process.stdout.write(String(r.status))";
  return `fetch(${JSON.stringify(url)}, ${JSON.stringify(init)}).then(${then}, e => { console.error(e.message); process.exit(2) })`;
}
