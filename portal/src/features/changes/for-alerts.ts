// "What changed?" for the alert groups a page shows: the changes collected once for the earliest
// group's window (one question to each source per page), ranked for each group, and the new
// error patterns since each group's likeliest deploy.
import { alertGroupScope } from "@opsdeck/contracts";
import { newErrors, type NewError } from "@opsdeck/core/changes/novelty";
import { rankChanges, type RankedChange } from "@opsdeck/core/changes/rank";
import type { SourceState } from "@opsdeck/core/changes/collect";
import { config } from "@/lib/config.ts";
import type { AmGroup } from "@/lib/sources.ts";
import { cachedChanges, changeSources } from "./sources.ts";

/** The changes the page and the message show of each group. */
export const SHOWN = 3;
/** Groups whose new errors are looked up per page (each is two aggregations). */
const NOVELTY_GROUPS = 10;

/** A group's scope, as the notifier's message asks it (alertGroupScope). */
export const groupScope = (g: AmGroup) => alertGroupScope(g.alerts, g.labels);

export interface NewErrorsSince {
  /** The deploy they are new since. */
  deploy: RankedChange;
  errors: NewError[];
}

/**
 * The error patterns new since the likeliest deploy among the shown changes, on the alert's host
 * if it names one; undefined when no deploy is shown or Elasticsearch did not answer.
 */
export async function newErrorsSince(
  ranked: RankedChange[],
  labels: Record<string, string>,
  now = Date.now(),
): Promise<NewErrorsSince | undefined> {
  const deploy = ranked.slice(0, SHOWN).find((c) => c.kind === "deploy" && c.project);
  if (!deploy?.project) return undefined;
  // An incident brings many alert groups after one deploy: their pages and messages ask the
  // same question, answered once per half minute.
  const key = `${deploy.project}|${deploy.at}|${labels.host ?? ""}`;
  const kept = novelties.get(key);
  if (kept && now - kept.at < NOVELTY_KEEP_MS) return { deploy, errors: kept.errors };
  const sources = changeSources();
  try {
    const errors = await newErrors(
      sources.elasticsearch,
      { project: deploy.project, since: deploy.at, until: now, host: labels.host },
      sources.timeoutMs,
    );
    for (const [k, v] of novelties) if (now - v.at >= NOVELTY_KEEP_MS) novelties.delete(k);
    novelties.set(key, { at: now, errors });
    return { deploy, errors };
  } catch {
    return undefined;
  }
}

const NOVELTY_KEEP_MS = 30_000;
// On globalThis: the Alerts page and the notifier's summary route are separate modules to Next.
const novelties = ((
  globalThis as { __opsdeckNovelties?: Map<string, { at: number; errors: NewError[] }> }
).__opsdeckNovelties ??= new Map());

export async function changesForGroups(
  groups: AmGroup[],
  key: (g: AmGroup) => string,
): Promise<{
  byGroup: Map<string, { ranked: RankedChange[]; novelty?: NewErrorsSince }>;
  sources: SourceState[];
  windowHours: number;
}> {
  const windowHours = config().portal.changes.window_hours;
  const windowMs = windowHours * 3_600_000;
  const scopes = groups.flatMap((g) => {
    const scope = groupScope(g);
    return scope ? [[key(g), scope] as const] : [];
  });
  if (!scopes.length) return { byGroup: new Map(), sources: [], windowHours };
  const from = Math.min(...scopes.map(([, s]) => s.startsAt)) - windowMs;
  const to = Math.max(...scopes.map(([, s]) => s.startsAt)) + 60_000;
  const { changes, sources } = await cachedChanges(from, to);
  const byGroup = await Promise.all(
    scopes.map(async ([k, scope], i) => {
      const ranked = rankChanges(scope, changes, windowMs);
      const novelty = i < NOVELTY_GROUPS ? await newErrorsSince(ranked, scope.labels) : undefined;
      return [k, { ranked, novelty }] as const;
    }),
  );
  return { byGroup: new Map(byGroup), sources, windowHours };
}
