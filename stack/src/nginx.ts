// The front door natively: Debian's nginx with provisioning/nginx/opsdeck.conf.template rendered
// as nginx's Docker image renders it in compose (only ${OPSDECK_*} names substituted), inside a
// minimal nginx.conf of our own whose every path is under the stack's directory.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { httpOk, spawnProc, waitUntil, type Proc } from "./procs.ts";
import { REPO } from "./services.ts";

export const NGINX_BIN = process.env.OPSDECK_NGINX_BIN ?? "/usr/sbin/nginx";
export const FRONT_DOOR_TEMPLATE = join(REPO, "provisioning/nginx/opsdeck.conf.template");

export interface FrontDoorVariables {
  OPSDECK_LISTEN: string;
  OPSDECK_PORTAL: string;
  OPSDECK_GRAFANA: string;
  OPSDECK_KIBANA: string;
  OPSDECK_ACCESS_LOG: string;
}

/** The template with its ${OPSDECK_*} names replaced; an unknown one is an error, not left in. */
export function renderFrontDoor(template: string, vars: FrontDoorVariables): string {
  return template.replace(/\$\{(OPSDECK_\w+)\}/g, (_, name: string) => {
    const value = (vars as unknown as Record<string, string>)[name];
    if (value === undefined) throw new Error(`the front door template uses \${${name}}, which has no value`);
    return value;
  });
}

export async function startFrontDoor(opts: {
  dir: string;
  port: number;
  portal: string;
  grafana: string;
  kibana: string;
  /** Where the JSON access log goes: Filebeat reads access.json.log in its nginx log folder. */
  accessLog: string;
  logFile?: string;
}): Promise<{ proc: Proc; url: string }> {
  for (const sub of ["tmp", "logs"]) mkdirSync(join(opts.dir, sub), { recursive: true });
  // As root, nginx's workers run as nobody: they buffer request and response bodies in here.
  chmodSync(join(opts.dir, "tmp"), 0o777);
  mkdirSync(dirname(opts.accessLog), { recursive: true });
  const server = renderFrontDoor(readFileSync(FRONT_DOOR_TEMPLATE, "utf8"), {
    OPSDECK_LISTEN: `127.0.0.1:${opts.port}`,
    OPSDECK_PORTAL: opts.portal,
    OPSDECK_GRAFANA: opts.grafana,
    OPSDECK_KIBANA: opts.kibana,
    OPSDECK_ACCESS_LOG: opts.accessLog,
  });
  writeFileSync(join(opts.dir, "opsdeck.conf"), server);
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
