// Starting OpsDeck's own services and PM2 for the native stack and the integration tests.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { httpOk, spawnProc, waitUntil, type Proc } from "./procs.ts";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PM2_BIN = fileURLToPath(new URL("node_modules/pm2/bin/pm2", `file://${REPO}`));

/** Arguments to run a TypeScript entry point with node (one process: no tsx CLI wrapper). */
export function nodeTsArgs(script: string, args: string[] = []): string[] {
  // tsx's only export is its ESM loader, which is what --import needs. Resolved here, not at
  // import: the image's bundles (dist/init.mjs) import this module and have no dev packages.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return ["--import", tsx, script, ...args];
}

export type ExporterKind = "pm2" | "deploy" | "business";

/** The bundled services (`npm run build`, run by scripts/setup.sh): what production runs. */
export const BUNDLES = {
  exporter: `${REPO}dist/exporter.mjs`,
  notifier: `${REPO}dist/notifier.mjs`,
  portal: `${REPO}dist/portal-server.mjs`,
};

/**
 * Node flags for every OpsDeck service. V8 sizes its young generation for this machine's memory
 * (up to 3 × 16 MB semi-spaces) and, after each full GC, lets the old generation grow to up to
 * 4× what survived: under load an exporter's heap filled with garbage to 3× its live data.
 * Small semi-spaces and a 1.3× growth step keep RSS near the live data; measured in the ingest
 * benchmark (business exporter after 1.6 M events: 169 → 98 MB, throughput within the noise;
 * --optimize-for-size took as much memory off but cost 20–30 % of the throughput).
 */
export const SERVICE_NODE_FLAGS = (
  process.env.OPSDECK_SERVICE_NODE_FLAGS ?? "--max-semi-space-size=2 --heap-growing-percent=30"
)
  .split(" ")
  .filter(Boolean);

/**
 * The PM2 exporter's: those, and V8's --optimize-for-size (a smaller heap for slower code). Its
 * work is a refresh every few seconds that no scrape waits on, and on an app server it shares
 * the memory with the apps: at 500 processes it took ~10 MB off (docs/benchmarks.md).
 */
export const PM2_EXPORTER_NODE_FLAGS = [...SERVICE_NODE_FLAGS, "--optimize-for-size"];

interface ServiceOptions {
  configFile: string;
  /** Where it listens; /healthz there must answer before this resolves. */
  url: string;
  env?: NodeJS.ProcessEnv;
  logFile?: string;
  timeoutMs?: number;
  /** Sent with the readiness check (an agent's exporter asks for basic auth). */
  headers?: Record<string, string>;
}

async function startBundle(
  name: string,
  bundle: string,
  args: string[],
  opts: ServiceOptions,
  nodeFlags = SERVICE_NODE_FLAGS,
): Promise<Proc> {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build`);
  const proc = spawnProc(name, process.execPath, [...nodeFlags, bundle, ...args, "--config", opts.configFile], {
    env: { ...process.env, ...opts.env },
    logFile: opts.logFile,
    cwd: REPO,
  });
  await waitUntil(name, () => httpOk(`${opts.url}/healthz`, { headers: opts.headers }), {
    proc,
    timeoutMs: opts.timeoutMs ?? 30_000,
  });
  return proc;
}

export const launchExporter = (kind: ExporterKind, opts: ServiceOptions) =>
  startBundle(
    `${kind}-exporter`,
    BUNDLES.exporter,
    [kind],
    opts,
    kind === "pm2" ? PM2_EXPORTER_NODE_FLAGS : SERVICE_NODE_FLAGS,
  );

export const launchNotifier = (opts: ServiceOptions) => startBundle("notifier", BUNDLES.notifier, [], opts);

/** The portal's production build (`next build` in portal/, run by scripts/setup.sh). */
/** The portal (its server bundle over portal/.next); host and port come from its config file. */
export async function launchPortal(opts: ServiceOptions): Promise<Proc> {
  if (!existsSync(`${REPO}portal/.next/BUILD_ID`)) throw new Error("portal/.next is missing: run npm run build");
  const proc = spawnProc("portal", process.execPath, [BUNDLES.portal], {
    env: { ...process.env, ...opts.env, OPSDECK_CONFIG: opts.configFile, NODE_ENV: "production" },
    logFile: opts.logFile,
    cwd: `${REPO}portal`,
  });
  await waitUntil("portal", () => httpOk(`${opts.url}/api/health`), { proc, timeoutMs: opts.timeoutMs ?? 60_000 });
  return proc;
}

const exec = promisify(execFile);

/** Runs the pm2 CLI against one PM2_HOME. */
export async function pm2(
  home: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const { stdout } = await exec(process.execPath, [PM2_BIN, ...args], {
    env: { ...process.env, ...opts.env, PM2_HOME: home, PM2_DISCRETE_MODE: "true" },
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}
