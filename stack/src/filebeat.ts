// Filebeat for the native stack and the tests: built from its Go module by
// scripts/build-filebeat.sh (7.17.x, the newest the module proxy serves), run with the same
// filebeat/filebeat.yml that production runs under Filebeat 8.x. It ships to Elasticsearch
// through the front in elasticsearch-front.ts (the test distribution has no `GET /`).
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { httpOk, spawnProc, waitUntil, type Proc } from "./procs.ts";
import { REPO } from "./services.ts";

export const FILEBEAT_VERSION = "7.17.29";
export const FILEBEAT_HOME = join(REPO, ".cache", `filebeat-${FILEBEAT_VERSION}`);
export const FILEBEAT_CONFIG = join(REPO, "filebeat", "filebeat.yml");

/** Where filebeat.yml reads from and ships to: its ${VAR} settings. */
export interface FilebeatPaths {
  pm2Home: string;
  nginxLogDir: string;
  opsdeckLogDir: string;
  elasticsearchUrl: string;
  indexPrefix: string;
}

export async function startFilebeat(opts: {
  /** Its registry (what it has shipped, so a restart ships nothing twice). */
  dataDir: string;
  paths: FilebeatPaths;
  /** Its HTTP stats endpoint (/stats), which the PM2 exporter turns into metrics. */
  httpPort: number;
  config?: string;
  logFile?: string;
}): Promise<{ proc: Proc; statsUrl: string }> {
  const bin = join(FILEBEAT_HOME, "filebeat");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh`);
  mkdirSync(opts.dataDir, { recursive: true });
  const { paths } = opts;
  const proc = spawnProc(
    "filebeat",
    bin,
    ["-e", "-c", opts.config ?? FILEBEAT_CONFIG, "--path.home", FILEBEAT_HOME, "--path.data", opts.dataDir],
    {
      env: {
        PATH: process.env.PATH,
        PM2_HOME: paths.pm2Home,
        NGINX_LOG_DIR: paths.nginxLogDir,
        OPSDECK_LOG_DIR: paths.opsdeckLogDir,
        OPSDECK_ES_URL: paths.elasticsearchUrl,
        OPSDECK_INDEX_PREFIX: paths.indexPrefix,
        FILEBEAT_HTTP_PORT: String(opts.httpPort),
      },
      logFile: opts.logFile,
    },
  );
  const statsUrl = `http://127.0.0.1:${opts.httpPort}`;
  await waitUntil("filebeat", () => httpOk(`${statsUrl}/stats`), { proc, timeoutMs: 30_000 });
  return { proc, statsUrl };
}
