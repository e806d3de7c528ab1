// Running a recovery action from the portal: signed for the host with that host's key (its PM2
// exporter checks it, core/src/actions/signed-request.ts) and sent to that host's exporter; its
// answer is the result. The hosts: this one (the central key itself, exporters.pm2.actions) and
// every agent (the key derived for it, hostActionKey): sent where the central Prometheus scrapes
// it, or left for a push host's agent to fetch (pull.ts). The keys stay in this server's
// environment; the request never passes through a browser.
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { hostname } from "node:os";
import { portalSources } from "@opsdeck/core";
import { hostActionKey, signRequest, SIGNATURE_HEADER } from "@opsdeck/core/actions/signed-request";
import type { Action } from "@opsdeck/core/actions/action";
import { watchedHosts } from "@/features/hosts/host-lists.ts";
import { config, configRelative } from "@/lib/config.ts";
import { leaveForHost } from "./pull.ts";

/** The host's PM2 exporter, or (push mode) the mailbox its agent fetches from (pull.ts). */
type ActionTarget = { url: string; key: string } | { pull: true; key: string };

/** This server's host name in alerts, when it holds the central key. */
function centralHost(): string | undefined {
  const actions = config().exporters.pm2.actions;
  return actions.key ? (actions.host ?? hostname()) : undefined;
}

/** Where an action on `host` goes and what signs it, or why it cannot run there. */
export function actionTarget(host: string, hosts = watchedHosts()): ActionTarget | { reason: string } {
  const c = config();
  const centralKey = c.exporters.pm2.actions.key;
  if (!centralKey) return { reason: "recovery actions are off (exporters.pm2.actions.key is unset)" };
  if (host === centralHost()) {
    const url = portalSources(c).pm2_url;
    return url ? { url, key: centralKey } : { reason: "this host's PM2 exporter is off" };
  }
  const agent = hosts.find((h) => h.name === host);
  if (!agent) return { reason: `"${host}" is not a host OpsDeck watches` };
  if (!agent.enabled) return { reason: `"${host}" is disabled in the hosts list` };
  if (agent.pm2_exporter === false) return { reason: `"${host}" runs no PM2 exporter` };
  // A push host is behind NAT or another network: its agent fetches the request.
  if (agent.mode === "push") return { pull: true, key: hostActionKey(centralKey, host) };
  return {
    url: `${c.agents.scheme}://${agent.address}:${agent.pm2_exporter}`,
    key: hostActionKey(centralKey, host),
  };
}

/** The hosts actions can run on (their names in alerts). */
export function actionHosts(): Set<string> {
  // The lists read once for every host (the Alerts page and every automatic check ask).
  const hosts = watchedHosts();
  const names = [centralHost(), ...hosts.map((h) => h.name)];
  return new Set(names.filter((name): name is string => !!name && "key" in actionTarget(name, hosts)));
}

export interface HostAnswer {
  status: number;
  body: {
    error?: string;
    /** started: a rollback's deploy began (rollback.ts). */
    status?: "succeeded" | "failed" | "dry-run" | "started";
    steps?: unknown[];
    description?: string;
  } & Record<string, unknown>;
}

/** POSTs the signed body; https to an agent trusts agents.ca_file when set (as Prometheus does). */
function post(url: URL, body: string, signature: string, timeoutMs: number): Promise<HostAnswer> {
  const caFile = config().agents.ca_file;
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature },
        timeout: timeoutMs,
        ...(url.protocol === "https:" && caFile && { ca: readFileSync(configRelative(caFile)) }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          let parsed: HostAnswer["body"] = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as HostAnswer["body"];
          } catch {
            // A proxy's HTML page, or nothing: the status says enough.
          }
          resolve({ status: res.statusCode ?? 502, body: parsed });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end(body);
  });
}

export async function runOnHost(
  host: string,
  action: Action,
  options: { dryRun?: boolean; trigger: "manual" | "automatic" },
): Promise<HostAnswer> {
  const target = actionTarget(host);
  if ("reason" in target) return { status: 503, body: { error: target.reason } };
  const signed = signRequest(target.key, host, action, Date.now(), options);
  // The host's own limit, and time to answer after it.
  const timeoutMs = (config().exporters.pm2.actions.timeout_seconds + 10) * 1000;
  if ("pull" in target) return leaveForHost(host, signed, timeoutMs);
  try {
    return await post(new URL("/api/v1/actions", target.url), signed.body, signed.signature, timeoutMs);
  } catch (err) {
    const e = err as Error & { code?: string };
    return { status: 502, body: { error: `the PM2 exporter on ${host}: ${e.code ?? e.message}` } };
  }
}
