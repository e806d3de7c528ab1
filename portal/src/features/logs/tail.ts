// Live tail: new lines as they are indexed, in order, none twice, none skipped. Elasticsearch
// has no change feed, so each poll reads from a watermark minus an overlap (lines are indexed
// up to a refresh interval late, and Filebeat may stamp a line with the time it was written),
// and drops what it already sent (ids remembered for the overlap's span).
import type { estypes } from "@elastic/elasticsearch";
import { buildQuery, es, indices, toLine, type LogLine, type SearchInput } from "./search.ts";

export const OVERLAP_MS = 30_000;
const PAGE = 500;
const TAIL_SORT: estypes.Sort = [
  { "@timestamp": { order: "asc" } },
  { "log.offset": { order: "asc", unmapped_type: "long" } },
  { _doc: { order: "asc" } },
];

export function createTail(s: SearchInput, sinceMs: number) {
  let watermark = sinceMs;
  const sent = new Map<string, number>(); // id → its timestamp (ms)

  /** One poll: the new lines since the last, oldest first. */
  async function poll(): Promise<LogLine[]> {
    const from = watermark - OVERLAP_MS;
    const query = buildQuery({ ...s, from: new Date(from).toISOString(), to: "now" });
    const fresh: LogLine[] = [];
    let after: estypes.SortResults | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await es().search<Record<string, unknown>>({
        index: indices(s.source),
        ignore_unavailable: true,
        query,
        sort: TAIL_SORT,
        size: PAGE,
        search_after: after,
      });
      for (const h of res.hits.hits) {
        const key = `${h._index}/${h._id}`;
        const line = toLine(h);
        const t = Date.parse(line.ts);
        if (sent.has(key) || t < sinceMs) continue;
        sent.set(key, t);
        fresh.push(line);
      }
      if (res.hits.hits.length < PAGE) break;
      after = res.hits.hits.at(-1)!.sort;
    }
    for (const l of fresh) watermark = Math.max(watermark, Date.parse(l.ts));
    for (const [k, t] of sent) if (t < watermark - OVERLAP_MS) sent.delete(k);
    return fresh;
  }
  return { poll };
}
