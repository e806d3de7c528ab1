// "What changed?" for the alert groups a page shows: the changes collected once for the earliest
// group's window (one question to each source per page), then ranked for each group.
import { portalSources } from "@opsdeck/core";
import { collectChanges, type SourceState } from "@opsdeck/core/changes/collect";
import { rankChanges, type RankedChange } from "@opsdeck/core/changes/rank";
import { config } from "@/lib/config.ts";
import type { AmGroup } from "@/lib/sources.ts";
import { es } from "@/features/logs/search.ts";

/** Where the changes come from, as opsdeck.yml points the portal at them. */
export function changeSources() {
  const cfg = config();
  const src = portalSources(cfg);
  return {
    deployUrl: src.deploy_url,
    prometheusUrl: src.prometheus_url,
    elasticsearch: { client: es(), prefix: cfg.elasticsearch.index_prefix },
    timeoutMs: src.timeout_seconds * 1000,
  };
}

/** A group's scope: when its first alert began, and the labels that alert carries. */
export function groupScope(g: AmGroup) {
  const first = g.alerts.reduce((a, b) => (Date.parse(b.startsAt) < Date.parse(a.startsAt) ? b : a));
  return { startsAt: Date.parse(first.startsAt), labels: { ...first.labels, ...g.labels } };
}

export async function changesForGroups(
  groups: AmGroup[],
  key: (g: AmGroup) => string,
): Promise<{ byGroup: Map<string, RankedChange[]>; sources: SourceState[]; windowHours: number }> {
  const windowHours = config().portal.changes.window_hours;
  const windowMs = windowHours * 3_600_000;
  const scopes = groups.filter((g) => g.alerts.length).map((g) => [key(g), groupScope(g)] as const);
  if (!scopes.length) return { byGroup: new Map(), sources: [], windowHours };
  const from = Math.min(...scopes.map(([, s]) => s.startsAt)) - windowMs;
  const to = Math.max(...scopes.map(([, s]) => s.startsAt)) + 60_000;
  const { changes, sources } = await collectChanges(changeSources(), from, to);
  return {
    byGroup: new Map(scopes.map(([k, scope]) => [k, rankChanges(scope, changes, windowMs)])),
    sources,
    windowHours,
  };
}
