// What the compose rehearsal's parts share: where it keeps its state, its Docker client's
// environment (Compose as the CLI plugin in its own DOCKER_CONFIG), running a command, waiting.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
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
