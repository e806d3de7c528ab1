// Alertmanager (built from its Go module, versions.ts) for the native stack and the tests: alertmanager/alertmanager.yml
// rendered with the notifier's address and a credentials file for its token.
import { writeFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { httpOk, spawnProc, waitUntil, type Proc } from "./procs.ts";
import { SERVER_BINARIES } from "./versions.ts";

export const ALERTMANAGER_BIN = SERVER_BINARIES.alertmanager;
export const AMTOOL_BIN = SERVER_BINARIES.amtool;

interface Receiver {
  name: string;
  webhook_configs?: { url: string; http_config?: { authorization?: { credentials_file?: string } } }[];
}

/**
 * Points every webhook receiver at the notifier, with the token read from `tokenFile`.
 * `timing` overrides group_wait / group_interval / repeat_interval everywhere (tests use seconds).
 */
export async function renderAlertmanagerConfig(opts: {
  source: string;
  notifierUrl: string;
  tokenFile: string;
  timing?: { group_wait?: string; group_interval?: string; repeat_interval?: string };
}): Promise<string> {
  const doc = parse(await readFile(opts.source, "utf8")) as {
    route: Record<string, unknown> & { routes?: Record<string, unknown>[] };
    receivers: Receiver[];
  };
  const url = new URL("/api/v1/alerts", opts.notifierUrl).href;
  for (const r of doc.receivers)
    for (const w of r.webhook_configs ?? []) {
      w.url = url;
      w.http_config = {
        ...w.http_config,
        authorization: { ...w.http_config?.authorization, credentials_file: opts.tokenFile },
      };
    }
  if (opts.timing) {
    const apply = (route: Record<string, unknown> & { routes?: Record<string, unknown>[] }) => {
      for (const [k, v] of Object.entries(opts.timing!))
        if (route[k] !== undefined || route === doc.route) route[k] = v;
      route.routes?.forEach((r) => apply(r as typeof route));
    };
    apply(doc.route);
  }
  // Anchors were resolved by parse; stringify writes plain YAML without aliases.
  return stringify(doc, { aliasDuplicateObjects: false });
}

/**
 * A peer of an Alertmanager cluster on loopback: its gossip port, the other peers' gossip ports,
 * and (tests) a shorter wait per position than the default 15 s.
 */
export interface AlertmanagerPeer {
  port: number;
  peers: number[];
  peerTimeout?: string;
}

export async function startAlertmanager(opts: {
  dir: string;
  port: number;
  config: string;
  logFile?: string;
  /** Unset: one instance, no gossip. */
  cluster?: AlertmanagerPeer;
}): Promise<{ proc: Proc; url: string }> {
  await mkdir(join(opts.dir, "data"), { recursive: true });
  const configFile = join(opts.dir, "alertmanager.yml");
  writeFileSync(configFile, opts.config);
  const url = `http://127.0.0.1:${opts.port}`;
  const proc = spawnProc(
    "alertmanager",
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(opts.dir, "data")}`,
      `--web.listen-address=127.0.0.1:${opts.port}`,
      `--web.external-url=${url}`,
      ...clusterArgs(opts.cluster),
      // Silences (acks, maintenance windows) reach disk within a minute, not the default 15.
      "--data.maintenance-interval=1m",
    ],
    { logFile: opts.logFile },
  );
  await waitUntil("alertmanager", () => httpOk(`${url}/-/ready`), { proc, timeoutMs: 30_000 });
  return { proc, url };
}

function clusterArgs(cluster: AlertmanagerPeer | undefined): string[] {
  if (!cluster) return ["--cluster.listen-address="]; // one instance: no gossip port to collide with
  const gossip = `127.0.0.1:${cluster.port}`;
  return [
    `--cluster.listen-address=${gossip}`,
    // Without it Alertmanager looks for a private address to announce, and a host with only
    // public ones (or loopback, here) does not start.
    `--cluster.advertise-address=${gossip}`,
    ...cluster.peers.map((port) => `--cluster.peer=127.0.0.1:${port}`),
    ...(cluster.peerTimeout ? [`--cluster.peer-timeout=${cluster.peerTimeout}`] : []),
    // Wait for the others' silences and notification log this long at most before sending.
    "--cluster.settle-timeout=10s",
  ];
}

/** Silences an alert by name on an Alertmanager for an hour (tests), as the portal's ack does. */
export function silenceAlert(amUrl: string, alertname: string, by: { createdBy: string; comment: string }) {
  return fetch(`${amUrl}/api/v2/silences`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      matchers: [{ name: "alertname", value: alertname, isRegex: false, isEqual: true }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      ...by,
    }),
  });
}
