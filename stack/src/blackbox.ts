// blackbox_exporter for the native stack and the tests (built from its Go module at the pinned
// version: versions.ts, scripts/build-servers.sh). It re-reads its config file by itself, so
// OpsDeck rewriting the probes' modules (core/src/probes/blackbox.ts) needs no restart.
import { existsSync, writeFileSync } from "node:fs";
import { httpOk, spawnProc, waitUntil, type Proc } from "./procs.ts";
import { basicAuthHeader } from "./prometheus.ts";
import { SERVER_BINARIES } from "./versions.ts";

/** How often blackbox looks at its config file for changes, in seconds. */
export const BLACKBOX_RELOAD_SECONDS = 2;

export async function startBlackbox(opts: {
  port: number;
  /** blackbox.yml; written empty (no module) if it does not exist yet. */
  configFile: string;
  logFile?: string;
  /** An agent's: basic auth from this web config (the agents' format), checked with `auth`. */
  webConfigFile?: string;
  auth?: { username: string; password: string };
}): Promise<{ proc: Proc; url: string }> {
  if (!existsSync(opts.configFile)) writeFileSync(opts.configFile, "modules: {}\n");
  const url = `http://127.0.0.1:${opts.port}`;
  const proc = spawnProc(
    "blackbox-exporter",
    SERVER_BINARIES.blackboxExporter,
    [
      `--config.file=${opts.configFile}`,
      `--web.listen-address=127.0.0.1:${opts.port}`,
      "--config.enable-auto-reload",
      `--config.auto-reload-interval=${BLACKBOX_RELOAD_SECONDS}`,
      ...(opts.webConfigFile ? [`--web.config.file=${opts.webConfigFile}`] : []),
    ],
    { logFile: opts.logFile },
  );
  const headers = opts.auth ? basicAuthHeader(opts.auth) : undefined;
  await waitUntil("blackbox-exporter", () => httpOk(`${url}/-/healthy`, { headers }), { proc });
  return { proc, url };
}
