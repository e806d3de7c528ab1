// The whole native stack (`npm start`'s scripts/stack.ts) on free ports in a temp dir, as the
// stack test, the portal test and the portal benchmark run it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort, nodeTsArgs, REPO, spawnProc, waitUntil, type Proc } from "./index.ts";
import { tempDir, TOKEN } from "./testkit.ts";

export const STACK_SERVICES = [
  "prom",
  "node",
  "blackbox",
  "pm2",
  "deploy",
  "business",
  "notifier",
  "am",
  "portal",
  "es",
  "esExporter",
  "filebeat",
  "front",
  "grafana",
  "kibana",
  "demoShop",
  "redisExporter",
] as const;
export type StackPorts = Record<(typeof STACK_SERVICES)[number], number>;

export async function stackPorts(): Promise<StackPorts> {
  const port = {} as StackPorts;
  for (const k of STACK_SERVICES) port[k] = await freePort();
  return port;
}

/**
 * opsdeck.yml for the whole stack with the demo; `portal`, `elasticsearch` and `notifier` are
 * merged into their sections (an `elasticsearch.url` uses that server instead of starting one),
 * `sections` adds top-level ones (probes, databases); its `pm2` and `deploy` are merged into
 * exporters.pm2 and exporters.deploy.
 */
export const stackConfig = (
  port: StackPorts,
  portal: Record<string, unknown> = {},
  elasticsearch: Record<string, unknown> = {},
  notifier: Record<string, unknown> = {},
  sections: Record<string, unknown> = {},
) =>
  stringify({
    ...sections,
    log: { level: "warn" },
    exporters: {
      pm2: {
        port: port.pm2,
        filebeat_url: `http://127.0.0.1:${port.filebeat}`,
        ...(sections.pm2 as Record<string, unknown> | undefined),
      },
      deploy: {
        port: port.deploy,
        token: TOKEN,
        data_dir: "data/deploy",
        ...(sections.deploy as Record<string, unknown> | undefined),
      },
      business: { port: port.business, token: TOKEN, data_dir: "data/business" },
    },
    notifier: { port: port.notifier, token: TOKEN, data_dir: "data/notifier", ...notifier },
    portal: { port: port.portal, ...portal },
    elasticsearch,
    stack: {
      prometheus: { port: port.prom },
      node_exporter: { port: port.node },
      blackbox_exporter: { port: port.blackbox },
      alertmanager: { port: port.am },
      elasticsearch: { port: port.es, heap_mb: 512 },
      elasticsearch_exporter: { port: port.esExporter },
      filebeat: { http_port: port.filebeat },
      // Nothing listens on the Grafana and Kibana ports unless a test puts a stand-in there.
      front_door: {
        port: port.front,
        grafana: `127.0.0.1:${port.grafana}`,
        kibana: `127.0.0.1:${port.kibana}`,
      },
      demo: true,
      demo_shop: { port: port.demoShop },
      // Started only for a `databases:` entry of that type (a test adds one).
      database_exporters: { redis_port: port.redisExporter },
    },
    pm2: undefined,
    deploy: undefined,
    // Other hosts: the stack generates the password (secrets.env); the hosts file is beside this file.
    agents: { password: "${OPSDECK_AGENT_PASSWORD:-}", targets_dir: "${OPSDECK_TARGETS_DIR:-data/targets}" },
  });

export interface RunningStack {
  dir: string;
  file: string;
  proc: Proc;
  /** Ctrl-C, as a user would stop it; resolves with its exit code. */
  stop(): Promise<number | string>;
}

/** Writes the config and runs scripts/stack.ts until it says it is up. */
export async function startStack(
  name: string,
  config: (dir: string) => string,
  timeoutMs = 150_000,
): Promise<RunningStack> {
  const dir = tempDir(name);
  const file = join(dir, "opsdeck.yml");
  writeFileSync(file, config(dir));
  const proc = spawnProc("stack", process.execPath, nodeTsArgs(join(REPO, "scripts/stack.ts")), {
    cwd: REPO,
    env: { ...process.env, OPSDECK_CONFIG: file, OPSDECK_STACK_DIR: join(dir, "state") },
  });
  try {
    await waitUntil("stack", async () => proc.tail(100).includes("OpsDeck is up"), { proc, timeoutMs });
  } catch (err) {
    await proc.stop(15_000);
    throw err;
  }
  return {
    dir,
    file,
    proc,
    async stop() {
      process.kill(-proc.child.pid!, "SIGINT");
      return proc.exited;
    },
  };
}
