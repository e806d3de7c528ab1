// Bundles each service's TypeScript into one ESM file under dist/, so production runs plain
// `node dist/<service>.mjs`: no TypeScript loader in memory (it cost ~70 MB RSS per process).
// npm packages stay external and load from node_modules; only our own code is bundled.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const pkgs = ["core", "contracts", "exporters", "alertmanager/notifier", "portal"].map((p) =>
  JSON.parse(readFileSync(join(REPO, p, "package.json"), "utf8")),
);
const deps = [...new Set(pkgs.flatMap((p) => Object.keys(p.dependencies ?? {})))].filter(
  (d) => !d.startsWith("@opsdeck/"),
);

export const ENTRIES = {
  exporter: "exporters/src/main.ts",
  notifier: "alertmanager/notifier/src/main.ts",
  // Next.js itself stays external and serves the build in portal/.next.
  "portal-server": "portal/server.ts",
  // The compose stack's one-shot init job.
  init: "scripts/init.ts",
  // The benchmark's comparison server, bundled the same way so their RSS compare fairly.
  "bench-on-demand-pm2": "exporters/bench/on-demand-pm2.ts",
  "bench-pm2-client-exporter": "exporters/bench/pm2-client-exporter.ts",
} as const;

/**
 * The preload a team's app loads (instrument/): one CommonJS file with OpenTelemetry inside, so
 * an app server needs nothing installed for it and `--require` loads it before the app, CommonJS
 * or ESM.
 */
export const INSTRUMENT = join(REPO, "dist/instrument.cjs");

/** The page-load script browsers load (exporters/src/rum/browser.ts, web-vitals inside), served as /rum.js. */
export const RUM_SCRIPT = join(REPO, "dist/rum.js");

export async function buildAll() {
  await build({
    entryPoints: [join(REPO, "exporters/src/rum/browser.ts")],
    outfile: RUM_SCRIPT,
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2020",
    minify: true,
    logLevel: "warning",
  });
  await build({
    entryPoints: [join(REPO, "instrument/src/preload.ts")],
    outfile: INSTRUMENT,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: "linked",
    logLevel: "warning",
  });
  await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, join(REPO, src)])),
    outdir: join(REPO, "dist"),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    external: deps.flatMap((d) => [d, `${d}/*`]),
    logLevel: "warning",
  });
}

/** vitest globalSetup hook. */
export const setup = buildAll;

if (import.meta.url === `file://${process.argv[1]}`) await buildAll();
