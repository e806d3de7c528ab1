// Filebeat for the native stack and the tests: built from its Go module by
// scripts/build-filebeat.sh (7.17.x, the newest the module proxy serves), run with the same
// filebeat/filebeat.yml that production runs under Filebeat 8.x. It ships to Elasticsearch
// through the front in elasticsearch-front.ts (the test distribution has no `GET /`).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startElasticsearchFront } from "./elasticsearch-front.ts";
import { freePort, httpOk, spawnProc, waitUntil, type Proc } from "./procs.ts";
import { REPO } from "./services.ts";

export const FILEBEAT_VERSION = "7.17.29";
export const FILEBEAT_HOME = join(REPO, ".cache", `filebeat-${FILEBEAT_VERSION}`);
export const FILEBEAT_CONFIG = join(REPO, "filebeat", "filebeat.yml");

/** Where filebeat.yml reads from and ships to: its ${VAR} settings. */
export interface FilebeatPaths {
  pm2Home: string;
  nginxLogDir: string;
  opsdeckLogDir: string;
  /** Docker's container logs (compose's OpsDeck containers); natively a directory with none. */
  containersDir?: string;
  elasticsearchUrl: string;
  indexPrefix: string;
  /** The zone of PM2's --time prefix and nginx's error log (LOG_TIMEZONE); default: the machine's. */
  logTimezone?: string;
  /** An agent host's: its host.name (OPSDECK_HOST_NAME), the front door's path to Elasticsearch
   * (OPSDECK_ES_PATH) and its own API key, "<id>:<key>" (OPSDECK_ES_API_KEY). */
  hostName?: string;
  elasticsearchPath?: string;
  apiKey?: string;
}

export async function startFilebeat(opts: {
  /** Its registry (what it has shipped, so a restart ships nothing twice). */
  dataDir: string;
  paths: FilebeatPaths;
  /** Its HTTP stats endpoint (/stats), which the PM2 exporter turns into metrics. */
  httpPort: number;
  config?: string;
  logFile?: string;
  /** More -E settings, e.g. every node of a cluster as output.elasticsearch.hosts. */
  settings?: Record<string, string>;
}): Promise<{ proc: Proc; statsUrl: string }> {
  const bin = join(FILEBEAT_HOME, "filebeat");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh`);
  mkdirSync(opts.dataDir, { recursive: true });
  const { paths } = opts;
  const proc = spawnProc(
    "filebeat",
    bin,
    [
      "-e",
      "-c",
      opts.config ?? FILEBEAT_CONFIG,
      "--path.home",
      FILEBEAT_HOME,
      "--path.data",
      opts.dataDir,
      ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ["-E", `${k}=${v}`]),
    ],
    {
      env: {
        PATH: process.env.PATH,
        PM2_HOME: paths.pm2Home,
        NGINX_LOG_DIR: paths.nginxLogDir,
        OPSDECK_LOG_DIR: paths.opsdeckLogDir,
        // Natively there are no OpsDeck containers; Docker's files of other containers stay unread.
        DOCKER_CONTAINERS_DIR: paths.containersDir ?? join(opts.dataDir, "no-containers"),
        OPSDECK_ES_URL: paths.elasticsearchUrl,
        OPSDECK_INDEX_PREFIX: paths.indexPrefix,
        FILEBEAT_HTTP_PORT: String(opts.httpPort),
        ...(paths.logTimezone ? { LOG_TIMEZONE: paths.logTimezone } : {}),
        ...(paths.hostName ? { OPSDECK_HOST_NAME: paths.hostName } : {}),
        ...(paths.elasticsearchPath ? { OPSDECK_ES_PATH: paths.elasticsearchPath } : {}),
        ...(paths.apiKey ? { OPSDECK_ES_API_KEY: paths.apiKey } : {}),
      },
      logFile: opts.logFile,
    },
  );
  const statsUrl = `http://127.0.0.1:${opts.httpPort}`;
  await waitUntil("filebeat", () => httpOk(`${statsUrl}/stats`), { proc, timeoutMs: 30_000 });
  return { proc, statsUrl };
}

/** Log files as they lie on a server, by the directory filebeat.yml reads them from. */
export interface LogFiles {
  /** PM2's files by name (`<app>-out-<n>.log`, `<app>-error.log`), in <PM2_HOME>/logs. */
  pm2?: Record<string, string[]>;
  /** nginx's access.json.log (the JSON log_format in filebeat.yml) and error.log. */
  nginxAccess?: string[];
  nginxError?: string[];
  /** OpsDeck's own ECS JSON logs by file name (`deploy-exporter.log`, …). */
  opsdeck?: Record<string, string[]>;
  /** Docker json-file logs by container id: each line as a container writes it to stdout. */
  containers?: Record<string, string[]>;
}

interface FilebeatCounters {
  libbeat: {
    output: { events: { acked: number; dropped?: number; failed?: number } };
    pipeline: { events: { active: number; published: number } };
  };
}

/**
 * Writes `files` and has the real Filebeat ship them with filebeat/filebeat.yml to `indexPrefix`
 * in the given Elasticsearch (through the front); resolves once every event it read is
 * acknowledged and searchable, with the number of events and the seconds from Filebeat's start
 * to the last acknowledgement (what a benchmark compares). Apply the index templates first.
 */
export async function shipLogs(opts: {
  elasticsearchUrl: string;
  indexPrefix: string;
  files: LogFiles;
  dir: string;
  logTimezone?: string;
  timeoutMs?: number;
  /** Wait for at least this many events: Filebeat may open one input's files seconds after
   * another's, so a quiet pipeline alone does not mean every file was read. */
  expectEvents?: number;
}): Promise<{ events: number; seconds: number }> {
  const { files, dir } = opts;
  const write = (sub: string, byName: Record<string, string[]>) => {
    mkdirSync(join(dir, sub), { recursive: true });
    for (const [name, lines] of Object.entries(byName))
      writeFileSync(join(dir, sub, name), lines.map((l) => `${l}\n`).join(""));
  };
  write("pm2/logs", files.pm2 ?? {});
  write("nginx", {
    ...(files.nginxAccess ? { "access.json.log": files.nginxAccess } : {}),
    ...(files.nginxError ? { "error.log": files.nginxError } : {}),
  });
  write("opsdeck", files.opsdeck ?? {});
  // Docker keeps each container's log at containers/<id>/<id>-json.log, a JSON object per line.
  for (const [id, lines] of Object.entries(files.containers ?? {}))
    write(`containers/${id}`, {
      [`${id}-json.log`]: lines.map((log, i) =>
        JSON.stringify({
          log: `${log}\n`,
          stream: "stdout",
          time: new Date(Date.UTC(2026, 10, 22, 10, 21, i)).toISOString(),
        }),
      ),
    });
  const front = await startElasticsearchFront({ upstream: opts.elasticsearchUrl, port: await freePort() });
  let fb: Awaited<ReturnType<typeof startFilebeat>> | undefined;
  try {
    const started = Date.now();
    const logFile = join(dir, "filebeat.log");
    fb = await startFilebeat({
      dataDir: join(dir, "filebeat-data"),
      httpPort: await freePort(),
      logFile,
      paths: {
        pm2Home: join(dir, "pm2"),
        nginxLogDir: join(dir, "nginx"),
        opsdeckLogDir: join(dir, "opsdeck"),
        containersDir: join(dir, "containers"),
        elasticsearchUrl: front.url,
        indexPrefix: opts.indexPrefix,
        logTimezone: opts.logTimezone,
      },
    });
    // Done when all it published is acknowledged and nothing more comes for 3 s (a multiline
    // event is flushed 2 s after its last line).
    let acked = 0;
    let dropped = 0;
    let since = Date.now();
    let progress = "";
    let crash: string | undefined;
    const statsUrl = fb.statsUrl;
    await waitUntil(
      "filebeat to ship every line",
      async () => {
        const stats = (await (await fetch(`${statsUrl}/stats`)).json()) as FilebeatCounters;
        const { output, pipeline } = stats.libbeat;
        acked = output.events.acked;
        dropped = output.events.dropped ?? 0;
        const now = `published ${pipeline.events.published}, acked ${acked}, active ${pipeline.events.active}, dropped ${dropped}`;
        if (now !== progress) [progress, since] = [now, Date.now()];
        // An event Elasticsearch refused for good (a mapping conflict) is dropped, and a crashed
        // harvester's file is not read again until it is written to: waiting cannot help.
        crash = readFileSync(logFile, "utf8")
          .split("\n")
          .find((line) => line.includes("Harvester crashed"));
        if (dropped > 0 || crash) return true;
        const done =
          acked >= (opts.expectEvents ?? 1) &&
          acked === pipeline.events.published &&
          pipeline.events.active === 0 &&
          Date.now() - since > 3000;
        // Thrown so a timeout says how far Filebeat got.
        if (!done) throw new Error(now);
        return true;
      },
      { proc: fb.proc, timeoutMs: opts.timeoutMs ?? 90_000, intervalMs: 250 },
    );
    if (dropped > 0) throw new Error(`Filebeat dropped events (${progress}):\n${fb.proc.tail(40)}`);
    if (crash) throw new Error(`Filebeat left a file unread (${progress}): ${crash}`);
    await fetch(`${opts.elasticsearchUrl}/${opts.indexPrefix}-*/_refresh`, { method: "POST" });
    return { events: acked, seconds: (since - started) / 1000 };
  } finally {
    await fb?.proc.stop();
    await front.close();
  }
}
