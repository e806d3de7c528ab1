// "What changed before this alert?" for the message itself: the portal is asked (GET
// /api/changes/summary, with the notifier's token) when a firing alert's message is about to be
// sent, and waited for only so long — a late or failed answer leaves the line out, never the
// message waiting. One question per alert group and minute, however many channels send it.
import { alertGroupScope, changeSummarySchema, type ChangeSummary } from "@opsdeck/contracts";
import type { Notification } from "./model.ts";

export interface ChangeLookupOptions {
  /** The portal's address as the notifier reaches it; unset: no lines. */
  portalUrl?: string;
  token: string;
  /** The most a message waits for the answer. */
  timeoutMs: number;
}

export type LookupResult = "added" | "none" | "late" | "failed";

export interface ChangeLookup {
  /** Asks for these notifications' lines (once per group and minute) and waits at most timeoutMs. */
  prepare(notifications: Notification[]): Promise<void>;
  /** The answer for this notification, if it arrived in time; undefined otherwise. */
  get(notification: Notification): ChangeSummary | undefined;
}

const KEEP_MS = 60_000;
/** An answer some source was missing from is asked for again sooner. */
const KEEP_INCOMPLETE_MS = 10_000;

/** What a group's notification asks about: its firing alerts' shared labels and newest start. */
export const notificationScope = (p: Notification["payload"]) =>
  alertGroupScope(
    p.alerts.filter((a) => a.status === "firing"),
    p.groupLabels,
  );

/** The question for a firing alert group's notification (notificationScope); none for other kinds. */
export function changeQuery(n: Notification): URLSearchParams | undefined {
  const p = n.payload;
  if ((n.kind !== "alert" && n.kind !== "escalation") || p.status !== "firing") return undefined;
  const scope = notificationScope(p);
  if (!scope) return undefined;
  const q = new URLSearchParams({ at: String(scope.startsAt) });
  for (const key of ["project", "environment", "host", "app", "alertname"] as const) {
    const value = scope.labels[key];
    if (value) q.set(key, value.slice(0, 200));
  }
  return q;
}

export function createChangeLookup(
  options: () => ChangeLookupOptions,
  counted: (result: LookupResult) => void = () => {},
): ChangeLookup {
  const asked = new Map<string, { at: number; answer: Promise<ChangeSummary | undefined>; value?: ChangeSummary }>();

  function ask(query: string, now: number) {
    const kept = asked.get(query);
    if (kept) {
      const keep = kept.value && !kept.value.complete ? KEEP_INCOMPLETE_MS : KEEP_MS;
      if (now - kept.at < keep) return kept;
    }
    for (const [k, v] of asked) if (now - v.at >= KEEP_MS) asked.delete(k);
    const { portalUrl, token, timeoutMs } = options();
    const entry: { at: number; answer: Promise<ChangeSummary | undefined>; value?: ChangeSummary } = {
      at: now,
      answer: Promise.resolve(undefined),
    };
    entry.answer = fetch(new URL(`/api/changes/summary?${query}`, portalUrl), {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(Math.max(timeoutMs * 4, 5_000)), // answered late, it still serves the next message
    })
      .then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const value = changeSummarySchema.parse(await res.json());
        entry.value = value;
        return value;
      })
      .catch(() => {
        asked.delete(query); // asked again by the next message
        return undefined;
      });
    asked.set(query, entry);
    return entry;
  }

  const queryOf = (n: Notification) => changeQuery(n)?.toString();

  return {
    async prepare(notifications) {
      const { portalUrl, timeoutMs } = options();
      if (!portalUrl) return;
      const now = Date.now();
      const entries = [...new Set(notifications.map(queryOf).filter((q): q is string => !!q))].map((q) => ask(q, now));
      if (!entries.length) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)));
      const results = await Promise.all(
        entries.map((e) => (e.value ? e.value : Promise.race([e.answer.then((v) => v ?? ("failed" as const)), late]))),
      );
      clearTimeout(timer);
      for (const r of results) counted(typeof r === "string" ? r : r.top || r.new_errors?.kinds ? "added" : "none");
    },
    get(n) {
      const query = queryOf(n);
      return query ? asked.get(query)?.value : undefined;
    },
  };
}
