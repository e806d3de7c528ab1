// Logs: search, histogram, field summaries, context, live tail and export over Elasticsearch.
// The page is a client view over /api/logs/*; its state lives in the URL, so links from a
// deploy, an alert or a process open it pre-filtered.
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { LogsView } from "@/features/logs/LogsView.tsx";
import { rangeOptions } from "@/lib/format.ts";
import { dict } from "@/lib/i18n.ts";

export default async function Logs({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { t, lang, reader } = await dict();
  const p = await searchParams;
  const all = (k: string) => (p[k] === undefined ? [] : Array.isArray(p[k]) ? p[k] : [p[k]]);
  const one = (k: string, d: string) => (Array.isArray(p[k]) ? p[k][0] : (p[k] ?? d));
  return (
    <main className="wide">
      <h1>{t.logs}</h1>
      <GrafanaLink page="/logs" from={one("from", "now-1h")} t={t} lang={lang} />
      <LogsView
        t={t}
        reader={reader}
        ranges={rangeOptions(lang)}
        initial={{
          q: one("q", ""),
          from: one("from", "now-1h"),
          to: one("to", "now"),
          service: all("service"),
          level: all("level"),
          host: all("host"),
          source: one("source", "all"),
        }}
      />
    </main>
  );
}
