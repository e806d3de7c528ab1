// Alertmanager in a cluster promises at-least-once: the first peer sends a group's notification,
// the next one sends it too when it has not heard of that send within its peer timeout (a slow
// webhook, a partition), and a peer retries a webhook that timed out. Those copies carry the same
// group, status and alerts; only one of them becomes a notification here.
import type { AmPayload } from "./model.ts";

/**
 * What every copy of one notification shares: the receiver, the group, its status and each
 * alert's fingerprint, status and start (a re-firing alert starts anew, so it is news again).
 * Not externalURL: each peer puts its own address there.
 */
export function copyKey(payload: AmPayload): string {
  const alerts = payload.alerts
    .map((a) => `${a.fingerprint || JSON.stringify(a.labels)}|${a.status}|${a.startsAt}`)
    .sort();
  return JSON.stringify([payload.receiver, payload.groupKey, payload.status, alerts]);
}
