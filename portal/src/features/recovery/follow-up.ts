// What became of a recovery action, told in the alert's thread: the notifier (with its token,
// which only the portal's server holds) sends it to the channels that got the alert. Not
// awaited by whoever ran the action; a notifier that does not take it is asked again a few
// times over a few minutes (in memory: a portal restart in between loses the message, while the
// audit trail keeps the run itself).
import { createLogger, portalSources } from "@opsdeck/core";
import type { RecoveryNote } from "@opsdeck/core/actions/recovery-note";
import { config } from "@/lib/config.ts";
import type { AmAlert } from "@/lib/sources.ts";

const log = createLogger({ service: "portal", dataset: "opsdeck.portal" });
const RETRY_SECONDS = [5, 30, 120];

async function post(alert: AmAlert, recovery: RecoveryNote): Promise<string | undefined> {
  const c = config();
  const token = c.notifier?.token;
  if (!token) return "notifier.token is not set in opsdeck.yml";
  const body = {
    alert: {
      status: "firing",
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt,
      fingerprint: alert.fingerprint,
    },
    receiver: alert.receivers?.[0]?.name ?? "default",
    recovery,
  };
  try {
    const res = await fetch(new URL("/api/v1/follow-ups", portalSources(c).notifier_url), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    if (res.ok) return undefined;
    const answer = (await res.json().catch(() => ({}))) as { error?: string };
    // A refusal of the message itself will not change: not asked again.
    if (res.status === 400 || res.status === 401) return `refused: ${answer.error ?? res.status}`;
    return `HTTP ${res.status}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Sends the follow-up; resolves once the notifier has it on disk, or it was given up. */
export async function followUp(alert: AmAlert, recovery: RecoveryNote): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const error = await post(alert, recovery);
    if (!error) return true;
    const wait = RETRY_SECONDS[attempt];
    if (wait === undefined || error.startsWith("refused") || error.includes("not set")) {
      log.warn(`recovery follow-up for ${alert.labels.alertname} not sent: ${error}`, {
        "opsdeck.alert.fingerprint": alert.fingerprint,
      });
      return false;
    }
    await new Promise((r) => setTimeout(r, wait * 1000).unref());
  }
}
