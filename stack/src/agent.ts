// An agent host as the tests and benchmarks run it on loopback: node-exporter and the PM2
// exporter behind the same web config (basic auth), and a PM2 daemon of its own (own PM2_HOME)
// running a few idle apps. The central Prometheus finds it through the target files.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { hashAgentPassword } from "@opsdeck/core/hosts/web-config";
import { freePort, stopAll, type Proc } from "./procs.ts";
import { basicAuthHeader, startNodeExporter } from "./prometheus.ts";
import { launchExporter, pm2 } from "./services.ts";

export interface AgentCredentials {
  username: string;
  password: string;
}

/** A web config (node-exporter's format) letting in `credentials`, by the password's bcrypt hash. */
export function writeWebConfig(file: string, credentials: AgentCredentials) {
  writeFileSync(
    file,
    stringify({ basic_auth_users: { [credentials.username]: hashAgentPassword(credentials.password) } }),
    { mode: 0o600 },
  );
}

export interface AgentHost {
  name: string;
  dir: string;
  pm2Home: string;
  webConfigFile: string;
  nodePort: number;
  pm2Port: number;
  /** Its PM2 exporter's log (a refused scrape is said there). */
  pm2ExporterLog: string;
  /** node-exporter and the PM2 exporter, while they run. */
  procs: Proc[];
  stopExporters(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAgentHost(opts: {
  name: string;
  dir: string;
  credentials: AgentCredentials;
  /** Idle apps started under this host's PM2 daemon. */
  apps?: number;
  /** The host's own recovery-action key (hostActionKey of the central one); unset: no actions. */
  actionsKey?: string;
  /** A push host's: fetch the actions from the central front door with the host's token (in a file). */
  actionsPull?: { url: string; token_file: string };
}): Promise<AgentHost> {
  const { dir, credentials } = opts;
  mkdirSync(dir, { recursive: true });
  const webConfigFile = join(dir, "web.yml");
  writeWebConfig(webConfigFile, credentials);
  const pm2Home = join(dir, "pm2");
  const app = join(dir, "idle.cjs");
  writeFileSync(app, "setInterval(() => {}, 60_000);\n");
  const apps = opts.apps ?? 2;
  for (let i = 0; i < apps; i++) await pm2(pm2Home, ["start", app, "--name", `app-${i + 1}`]);
  const [nodePort, pm2Port] = [await freePort(), await freePort()];
  const configFile = join(dir, "agent.yml");
  writeFileSync(
    configFile,
    stringify({
      log: { level: "info" },
      exporters: {
        pm2: {
          port: pm2Port,
          pm2_home: pm2Home,
          web_config_file: webConfigFile,
          filebeat_url: "",
          ...(opts.actionsKey && {
            actions: { key: opts.actionsKey, host: opts.name, ...(opts.actionsPull && { pull: opts.actionsPull }) },
          }),
        },
      },
    }),
  );
  const pm2ExporterLog = join(dir, "pm2-exporter.log");
  let exporters: Proc[] = [];
  try {
    exporters.push(
      (
        await startNodeExporter({
          port: nodePort,
          webConfigFile,
          auth: credentials,
          logFile: join(dir, "node-exporter.log"),
        })
      ).proc,
    );
    exporters.push(
      await launchExporter("pm2", {
        configFile,
        url: `http://127.0.0.1:${pm2Port}`,
        headers: basicAuthHeader(credentials),
        logFile: pm2ExporterLog,
      }),
    );
  } catch (err) {
    await stopAll(exporters);
    await pm2(pm2Home, ["kill"]).catch(() => undefined);
    throw err;
  }
  const stopExporters = async () => {
    await stopAll(exporters);
    exporters = [];
  };
  return {
    name: opts.name,
    dir,
    pm2Home,
    webConfigFile,
    nodePort,
    pm2Port,
    pm2ExporterLog,
    get procs() {
      return exporters;
    },
    stopExporters,
    async stop() {
      await stopExporters();
      await pm2(pm2Home, ["kill"]).catch(() => undefined);
    },
  };
}
