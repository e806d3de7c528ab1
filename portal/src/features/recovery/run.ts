// Running a recovery action from the portal: signed for the host with its key (the host's PM2
// exporter checks it, core/src/actions/signed-request.ts) and sent to that host's exporter; its
// answer is the result. Today the host is this one (exporters.pm2.actions): the key stays in
// this server's environment, the request never passes through a browser.
import { hostname } from "node:os";
import { portalSources } from "@opsdeck/core";
import { signRequest, SIGNATURE_HEADER } from "@opsdeck/core/actions/signed-request";
import type { Action } from "@opsdeck/core/actions/action";
import { config } from "@/lib/config.ts";

/** The host actions can run on (its name in alerts), or why none can. */
export function actionHost(): { ok: true; host: string } | { ok: false; reason: string } {
  const actions = config().exporters.pm2.actions;
  if (!actions.key) return { ok: false, reason: "recovery actions are off (exporters.pm2.actions.key is unset)" };
  return { ok: true, host: actions.host ?? hostname() };
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

export async function runOnHost(
  host: string,
  action: Action,
  options: { dryRun?: boolean; trigger: "manual" | "automatic" },
): Promise<HostAnswer> {
  const c = config();
  const { key, timeout_seconds } = c.exporters.pm2.actions;
  const url = portalSources(c).pm2_url;
  if (!key || !url) return { status: 503, body: { error: "recovery actions are off" } };
  const signed = signRequest(key, host, action, Date.now(), options);
  try {
    const res = await fetch(new URL("/api/v1/actions", url), {
      method: "POST",
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signed.signature },
      body: signed.body,
      // The host's own limit, and time to answer after it.
      signal: AbortSignal.timeout((timeout_seconds + 10) * 1000),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as HostAnswer["body"] };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { status: 502, body: { error: `the host's PM2 exporter: ${e.cause?.code ?? e.name}` } };
  }
}
