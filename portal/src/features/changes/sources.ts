// Where the changes come from, as opsdeck.yml points the portal at them; and one answer per
// minute for one window (the Alerts page, its every reload, and the notifier's messages ask the
// same questions — the sources are asked once).
import { portalSources } from "@opsdeck/core";
import { collectChanges, type ChangeSources, type SourceState } from "@opsdeck/core/changes/collect";
import type { Change } from "@opsdeck/core/changes/rank";
import { config } from "@/lib/config.ts";
import { es } from "@/features/logs/search.ts";

export function changeSources(): ChangeSources & { elasticsearch: NonNullable<ChangeSources["elasticsearch"]> } {
  const cfg = config();
  const src = portalSources(cfg);
  return {
    deployUrl: src.deploy_url,
    prometheusUrl: src.prometheus_url,
    elasticsearch: { client: es(), prefix: cfg.elasticsearch.index_prefix },
    timeoutMs: src.timeout_seconds * 1000,
  };
}

type Collected = { changes: Change[]; sources: SourceState[] };
const CACHE_MS = 60_000;
// On globalThis: Next loads route and page modules separately, and both ask.
const cache = ((
  globalThis as { __opsdeckChanges?: Map<string, { at: number; answer: Promise<Collected> }> }
).__opsdeckChanges ??= new Map());

/**
 * The changes in [from, to], from the cache when the same window (to the minute) was asked for in
 * the last minute. A source that failed is asked again next time: failed answers are not kept.
 */
export function cachedChanges(from: number, to: number, now = Date.now()): Promise<Collected> {
  const key = `${Math.floor(from / 60_000)}:${Math.ceil(to / 60_000)}`;
  const hit = cache.get(key);
  if (hit && now - hit.at < CACHE_MS) return hit.answer;
  for (const [k, v] of cache) if (now - v.at >= CACHE_MS) cache.delete(k);
  const answer = collectChanges(changeSources(), from, to);
  cache.set(key, { at: now, answer });
  void answer.then((a) => {
    if (a.sources.some((s) => !s.ok)) cache.delete(key);
  });
  return answer;
}
