// The front door natively: Debian's nginx with provisioning/nginx/'s templates rendered
// as nginx's Docker image renders it in compose (only ${OPSDECK_*} names substituted), inside a
// minimal nginx.conf of our own whose every path is under the stack's directory.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { httpOk, spawnProc, waitUntil, type Proc } from "./procs.ts";
import { REPO } from "./services.ts";

export const NGINX_BIN = process.env.OPSDECK_NGINX_BIN ?? "/usr/sbin/nginx";
const NGINX_DIR = join(REPO, "provisioning/nginx");
/** The front door's templates: the HTTP server, the site it and the TLS server include, the TLS server. */
export const FRONT_DOOR_TEMPLATE = join(NGINX_DIR, "opsdeck.conf.template");
export const FRONT_DOOR_SITE_TEMPLATE = join(NGINX_DIR, "opsdeck-site.inc.template");
export const FRONT_DOOR_TLS_TEMPLATE = join(NGINX_DIR, "opsdeck-tls.conf.template");

/** The template with its ${OPSDECK_*} names replaced; an unknown one is an error, not left in. */
export function renderFrontDoor(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{(OPSDECK_\w+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`the front door template uses \${${name}}, which has no value`);
    return value;
  });
}

/**
 * The machine's DNS server, for the template's resolver: the native upstreams are IP addresses,
 * which nginx never looks up, but the directive needs one.
 */
export function systemResolver(): string {
  const conf = existsSync("/etc/resolv.conf") ? readFileSync("/etc/resolv.conf", "utf8") : "";
  const server = /^nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/m.exec(conf)?.[1];
  return server ?? "127.0.0.1";
}

export async function startFrontDoor(opts: {
  dir: string;
  port: number;
  portal: string;
  grafana: string;
  kibana: string;
  /** The deploy and business exporters (host:port), for CI and the apps at /ingest/…. */
  deploy: string;
  business: string;
  /** Prometheus (host:port), for push hosts' remote write at /ingest/prometheus/api/v1/write. */
  prometheus: string;
  /** Elasticsearch (host:port, answering `GET /`), for agent hosts' Filebeat at /ingest/elasticsearch. */
  elasticsearch: string;
  /** Where the JSON access log goes: Filebeat reads access.json.log in its nginx log folder. */
  accessLog: string;
  logFile?: string;
  /** Also serve TLS on this port with this certificate; plain HTTP then redirects to it. */
  tls?: { port: number; cert: string; key: string };
}): Promise<{ proc: Proc; url: string }> {
  for (const sub of ["tmp", "logs"]) mkdirSync(join(opts.dir, sub), { recursive: true });
  // As root, nginx's workers run as nobody: they buffer request and response bodies in here.
  chmodSync(join(opts.dir, "tmp"), 0o777);
  mkdirSync(dirname(opts.accessLog), { recursive: true });
  const vars = {
    OPSDECK_LISTEN: `127.0.0.1:${opts.port}`,
    OPSDECK_PORTAL: opts.portal,
    OPSDECK_GRAFANA: opts.grafana,
    OPSDECK_KIBANA: opts.kibana,
    OPSDECK_DEPLOY: opts.deploy,
    OPSDECK_BUSINESS: opts.business,
    OPSDECK_PROMETHEUS: opts.prometheus,
    OPSDECK_ELASTICSEARCH: opts.elasticsearch,
    OPSDECK_RESOLVER: systemResolver(),
    OPSDECK_REAL_IP_FROM: "unix:",
    OPSDECK_ACCESS_LOG: opts.accessLog,
    OPSDECK_NGINX_CONF_DIR: opts.dir,
    OPSDECK_HTTPS_REDIRECT: opts.tls ? "on" : "",
    ...(opts.tls
      ? {
          OPSDECK_TLS_LISTEN: `127.0.0.1:${opts.tls.port}`,
          OPSDECK_TLS_CERT: opts.tls.cert,
          OPSDECK_TLS_KEY: opts.tls.key,
        }
      : {}),
  };
  const render = (template: string, out: string) =>
    writeFileSync(join(opts.dir, out), renderFrontDoor(readFileSync(template, "utf8"), vars));
  render(FRONT_DOOR_TEMPLATE, "opsdeck.conf");
  render(FRONT_DOOR_SITE_TEMPLATE, "opsdeck-site.inc");
  if (opts.tls) render(FRONT_DOOR_TLS_TEMPLATE, "opsdeck-tls.conf");
  const tmp = join(opts.dir, "tmp");
  writeFileSync(
    join(opts.dir, "nginx.conf"),
    [
      "# Written by stack/src/nginx.ts for npm start; the front door itself is opsdeck.conf.",
      "worker_processes 1;",
      `pid ${join(opts.dir, "nginx.pid")};`,
      `error_log ${join(opts.dir, "logs", "error.log")} warn;`,
      "events { worker_connections 1024; }",
      "http {",
      "  include /etc/nginx/mime.types;",
      "  default_type application/octet-stream;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${join(tmp, t)};`),
      `  include ${join(opts.dir, "opsdeck.conf")};`,
      ...(opts.tls ? [`  include ${join(opts.dir, "opsdeck-tls.conf")};`] : []),
      "}",
      "",
    ].join("\n"),
  );
  const url = `http://127.0.0.1:${opts.port}`;
  const proc = spawnProc(
    "nginx",
    NGINX_BIN,
    ["-p", opts.dir, "-c", join(opts.dir, "nginx.conf"), "-g", "daemon off;"],
    {
      logFile: opts.logFile,
    },
  );
  // Up once it passes a request through to the portal (which starts first).
  await waitUntil("nginx", () => httpOk(`${url}/api/health`), { proc, timeoutMs: 20_000 });
  return { proc, url };
}
