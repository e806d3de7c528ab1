// /timeline: what happened, on one axis — scoped by project / environment / host / app (kept in
// the URL), from an alert (?at= its start: the likeliest change before it marked) or a deploy.
import type { Timeline } from "@opsdeck/contracts";
import { rankedFor } from "@/features/changes/api.ts";
import { dict } from "@/lib/i18n.ts";
import { SCOPE_KEYS, timeline, timelineQuerySchema } from "./lanes.ts";
import { TimelineChart, type Highlight } from "./TimelineChart.tsx";

type Params = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The likeliest change before the alert the link came from, as the alert's "what changed?" ranks it. */
async function likeliest(data: Timeline): Promise<Highlight | undefined> {
  if (data.at === undefined) return undefined;
  const { ranked } = await rankedFor({ at: data.at, limit: 1 }, data.scope as Record<string, string>);
  const top = ranked[0];
  return top && { at: top.at, title: top.title, kind: top.kind };
}

export default async function TimelinePage({ searchParams }: { searchParams: Promise<Params> }) {
  const { t, reader } = await dict();
  const params = await searchParams;
  const raw = Object.fromEntries(
    ["from", "to", "at", ...SCOPE_KEYS].flatMap((k) => (one(params[k]) ? [[k, one(params[k])!]] : [])),
  );
  const parsed = timelineQuerySchema.safeParse(raw);
  const query = parsed.success ? parsed.data : timelineQuerySchema.parse({});
  const data = await timeline(query);
  const highlight = await likeliest(data).catch(() => undefined);
  const missing = data.sources.filter((s) => !s.ok);
  return (
    <main className="wide">
      <h1>{t.timeline}</h1>
      <p className="muted">{t.timeline_intro}</p>
      <form className="row-actions filters" method="get" action="/timeline">
        {SCOPE_KEYS.map((k) => (
          <label key={k}>
            {t[k]} <input name={k} defaultValue={query[k] ?? ""} size={12} translate="no" />
          </label>
        ))}
        {/* The range and the alert's mark stay as they are. */}
        {raw.from && <input type="hidden" name="from" value={raw.from} />}
        {raw.to && <input type="hidden" name="to" value={raw.to} />}
        {raw.at && <input type="hidden" name="at" value={raw.at} />}
        <button type="submit">{t.apply}</button>
      </form>
      {!parsed.success && (
        <p className="error" role="alert">
          {parsed.error.issues[0].path.join(".")}: {parsed.error.issues[0].message}
        </p>
      )}
      {missing.length > 0 && (
        <p className="error" role="status" data-sources-missing>
          {t.timeline_sources_missing}: <span translate="no">{missing.map((s) => s.source).join(", ")}</span>
        </p>
      )}
      <TimelineChart data={data} live={query.to === "now"} highlight={highlight} t={t} reader={reader} />
    </main>
  );
}
