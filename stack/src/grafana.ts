// Grafana natively, where it is installed (Grafana's own package: /usr/share/grafana/bin/grafana
// or grafana-server): `npm start` runs it behind the front door with OpsDeck's provisioning and
// the settings the compose stack gives it (GRAFANA_SETTINGS, which a test compares with
// docker-compose.monitoring.yml). No Grafana is served to this machine, so the tests prove the
// wiring with a stand-in binary.
import { existsSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { httpOk, spawnProc, waitUntil, type Proc } from "./procs.ts";
import { REPO } from "./services.ts";

/** Grafana's settings behind the front door, as environment variables: the same in compose. */
export const GRAFANA_SETTINGS = {
  GF_SERVER_SERVE_FROM_SUB_PATH: "true",
  GF_SECURITY_ALLOW_EMBEDDING: "true",
  GF_SECURITY_COOKIE_SAMESITE: "lax",
  // The front door signs users in and names them in these headers, overwritten on every request.
  GF_AUTH_PROXY_ENABLED: "true",
  GF_AUTH_PROXY_HEADER_NAME: "X-WEBAUTH-USER",
  GF_AUTH_PROXY_HEADER_PROPERTY: "username",
  GF_AUTH_PROXY_HEADERS: "Role:X-WEBAUTH-ROLE",
  GF_AUTH_PROXY_AUTO_SIGN_UP: "true",
  GF_AUTH_PROXY_SYNC_TTL: "5",
  GF_AUTH_DISABLE_LOGIN_FORM: "true",
  GF_AUTH_DISABLE_SIGNOUT_MENU: "true",
  GF_USERS_ALLOW_SIGN_UP: "false",
  GF_ANALYTICS_REPORTING_ENABLED: "false",
  GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
} as const;

const CANDIDATES = ["/usr/share/grafana/bin/grafana", "/usr/sbin/grafana-server", "/usr/bin/grafana-server"];

/** Grafana's binary on this machine (OPSDECK_GRAFANA_BIN, or its package's paths), if any. */
export function findGrafana(): string | undefined {
  const own = process.env.OPSDECK_GRAFANA_BIN;
  if (own) return own;
  return CANDIDATES.find((c) => existsSync(c));
}

export async function startGrafana(opts: {
  bin: string;
  dir: string;
  /** host:port it listens on (stack.front_door.grafana). */
  listen: string;
  /** The URL people open (the front door), for Grafana's links. */
  publicUrl: string;
  adminPassword: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  elasticsearchUrl: string;
  indexPrefix: string;
  logFile?: string;
}): Promise<{ proc: Proc; url: string }> {
  mkdirSync(join(opts.dir, "data"), { recursive: true });
  const [host, port] = opts.listen.split(":");
  const provisioning = join(REPO, "provisioning/grafana");
  // `grafana server` since Grafana 10; the older grafana-server takes no subcommand.
  const args = basename(opts.bin) === "grafana" ? ["server", "--homepath", "/usr/share/grafana"] : [];
  const proc = spawnProc("grafana", opts.bin, args, {
    env: {
      PATH: process.env.PATH,
      ...GRAFANA_SETTINGS,
      GF_SERVER_HTTP_ADDR: host,
      GF_SERVER_HTTP_PORT: port,
      GF_SERVER_ROOT_URL: `${opts.publicUrl}/grafana/`,
      GF_SECURITY_ADMIN_PASSWORD: opts.adminPassword,
      GF_PATHS_DATA: join(opts.dir, "data"),
      GF_PATHS_LOGS: join(opts.dir, "logs"),
      GF_PATHS_PROVISIONING: provisioning,
      // What provisioning/grafana/ reads (its datasources and dashboard provider).
      OPSDECK_PROMETHEUS_URL: opts.prometheusUrl,
      OPSDECK_ALERTMANAGER_URL: opts.alertmanagerUrl,
      OPSDECK_ELASTICSEARCH_URL: opts.elasticsearchUrl,
      OPSDECK_INDEX_PREFIX: opts.indexPrefix,
      OPSDECK_ES_GRAFANA_USER: "",
      OPSDECK_ES_GRAFANA_PASSWORD: "",
      OPSDECK_GRAFANA_DASHBOARDS: join(provisioning, "dashboards"),
    },
    logFile: opts.logFile,
  });
  const url = `http://${opts.listen}`;
  await waitUntil("grafana", () => httpOk(`${url}/grafana/api/health`), { proc, timeoutMs: 60_000 });
  return { proc, url };
}
