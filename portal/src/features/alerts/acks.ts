// Acknowledgements kept true to their word: an ack is an Alertmanager silence whose comment
// starts with "ack: ". While an alert it matches still fires, the silence is renewed before it
// runs out; when none does any more (the alert resolved), the silence is expired, so the next
// occurrence notifies again. Runs in the portal's server process (see instrumentation.ts).
import { fetchFromReplicas } from "@opsdeck/core/replicas";
import { RE2JS } from "re2js";
import type { AmAlert, AmSilence } from "../../lib/sources.ts";

export const ACK_PREFIX = "ack: ";

export type AckAction = { silence: AmSilence; action: "renew"; endsAt: string } | { silence: AmSilence; action: "end" };

/**
 * Alertmanager's matcher semantics: equality or a fully anchored regex, possibly negated. The
 * regex runs on RE2 (re2js), Alertmanager's own dialect, in linear time: a silence such as
 * `(.*){30}X` cannot hang the portal the way V8's backtracking RegExp would.
 */
export function matches(matcher: AmSilence["matchers"][number], labels: Record<string, string>): boolean {
  const value = labels[matcher.name] ?? "";
  let hit: boolean;
  if (matcher.isRegex) {
    try {
      hit = RE2JS.compile(matcher.value).matches(value);
    } catch {
      return false;
    }
  } else hit = value === matcher.value;
  return matcher.isEqual === false ? !hit : hit;
}

/** What to do with each active ack, given the alerts that fire now. */
export function ackActions(silences: AmSilence[], alerts: AmAlert[], minutes: number, now: number): AckAction[] {
  const firing = alerts.filter((a) => !a.endsAt || Date.parse(a.endsAt) > now);
  const out: AckAction[] = [];
  for (const s of silences) {
    if (s.status.state !== "active" || !s.comment.startsWith(ACK_PREFIX)) continue;
    const still = firing.some((a) => s.matchers.every((m) => matches(m, a.labels)));
    if (!still) out.push({ silence: s, action: "end" });
    // Renew at half-life, so a missed check or two never lets it lapse.
    else if (Date.parse(s.endsAt) - now < (minutes * 60_000) / 2)
      out.push({ silence: s, action: "renew", endsAt: new Date(now + minutes * 60_000).toISOString() });
  }
  return out;
}

/** One pass against Alertmanager; returns what it did. */
export async function keepAcks(
  amUrls: string | readonly string[],
  minutes: number,
  now = Date.now(),
): Promise<AckAction[]> {
  // Any peer of a cluster will do: they gossip silences.
  const peers = typeof amUrls === "string" ? [amUrls] : amUrls;
  const get = async <T>(path: string) => {
    const res = await fetchFromReplicas(peers, path, { timeoutMs: 5000 });
    if (!res.ok) throw new Error(`Alertmanager ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  const [silences, alerts] = await Promise.all([
    get<AmSilence[]>("/api/v2/silences"),
    get<AmAlert[]>("/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"),
  ]);
  const actions = ackActions(silences, alerts, minutes, now);
  for (const a of actions) {
    const res =
      a.action === "end"
        ? await fetchFromReplicas(peers, `/api/v2/silence/${a.silence.id}`, { method: "DELETE", timeoutMs: 5000 })
        : await fetchFromReplicas(peers, "/api/v2/silences", {
            // Posting a silence with its id and unchanged matchers extends it in place.
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              id: a.silence.id,
              matchers: a.silence.matchers,
              startsAt: a.silence.startsAt,
              endsAt: a.endsAt,
              createdBy: a.silence.createdBy,
              comment: a.silence.comment,
            }),
            timeoutMs: 5000,
          });
    if (!res.ok) throw new Error(`Alertmanager refused to ${a.action} silence ${a.silence.id}: HTTP ${res.status}`);
  }
  return actions;
}
