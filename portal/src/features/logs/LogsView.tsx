"use client";
// The Logs page: a query with filters, a histogram by level (drag to zoom), field summaries
// that filter on click, results newest first with matches highlighted, a line's context,
// live tail (pause / resume), export. State is mirrored into the URL.
import { usePathname, useRouter } from "next/navigation";
import { Fragment, useCallback, useEffect, useRef, useState } from "react";
import type { Dict } from "@/lib/i18n.ts";
import type { LogLine } from "@/features/logs/search.ts";
import type { QueryErrorCode } from "@/features/logs/query.ts";
import { axisTimes, clockTime, dateTime, type Reader } from "@/lib/time.ts";
import { ERROR_LEVELS } from "@opsdeck/core/changes/error-pattern";
import { ImportPanel } from "./ImportPanel.tsx";

export interface LogFilters {
  q: string;
  from: string;
  to: string;
  service: string[];
  level: string[];
  host: string[];
  source: string;
}

// The server's line type (a type-only import: no server code reaches the browser).
type Line = LogLine;
interface Result {
  lines: Line[];
  total?: { value: number; relation: string };
  cursor?: string;
  histogram?: { t: number; count: number; levels: Record<string, number> }[];
  fields?: Record<string, { value: string; count: number }[]>;
}
type Failure = { error: string; position?: number; reason?: string; code?: QueryErrorCode; arg?: string };

/** A refused query's reason in the reader's language (the server says it in English). */
function queryReason(t: Dict, failure: Failure): string | undefined {
  if (!failure.code) return failure.reason;
  return t[`qerr_${failure.code}`].replace("{x}", failure.arg ?? "");
}

const LEVEL_COLORS: Record<string, string> = {
  fatal: "#8e0000",
  error: "#c62828",
  warn: "#ef6c00",
  info: "#1f6feb",
  debug: "#8d96a0",
  trace: "#b0b7bf",
};
const FACETS = [
  ["service.name", "service"],
  ["log.level", "level"],
  ["host.name", "host"],
] as const;

const toParams = (f: LogFilters, extra: Record<string, string> = {}) => {
  const p = new URLSearchParams({ q: f.q, from: f.from, to: f.to, source: f.source, ...extra });
  for (const k of ["service", "level", "host"] as const) for (const v of f[k]) p.append(k, v);
  return p;
};

export function LogsView({
  t,
  reader,
  ranges,
  initial,
}: {
  t: Dict;
  reader: Reader;
  /** The picker's ranges with their labels in the reader's language (as Grafana writes them). */
  ranges: { value: string; label: string }[];
  initial: LogFilters;
}) {
  const [importNames, setImportNames] = useState<Record<string, string>>({});
  const router = useRouter();
  const path = usePathname();
  const [f, setF] = useState(initial);
  const [draft, setDraft] = useState(initial.q);
  const [res, setRes] = useState<Result>();
  const [failure, setFailure] = useState<Failure>();
  const [loading, setLoading] = useState(false);
  const [tail, setTail] = useState<"off" | "live" | "paused">("off");
  const [held, setHeld] = useState<Line[]>([]);
  const [context, setContext] = useState<Record<string, { before: Line[]; after: Line[] } | "loading">>({});

  const run = useCallback(async (next: LogFilters, cursor?: string) => {
    setLoading(true);
    setFailure(undefined);
    try {
      const r = await fetch(`/api/logs/search?${toParams(next, cursor ? { cursor } : {})}`);
      const body = (await r.json()) as Result & Failure;
      if (!r.ok) return setFailure(body);
      setRes((prev) =>
        cursor && prev ? { ...prev, lines: [...prev.lines, ...body.lines], cursor: body.cursor } : body,
      );
    } catch (e) {
      setFailure({ error: (e as Error).message });
    } finally {
      setLoading(false);
    }
  }, []);

  const apply = (next: LogFilters) => {
    setF(next);
    router.replace(`${path}?${toParams(next)}`, { scroll: false });
    void run(next);
  };
  useEffect(() => void run(initial), [run, initial]);

  // Live tail: new lines on top; paused, they wait in `held` and nothing is lost.
  const tailState = useRef(tail);
  tailState.current = tail;
  useEffect(() => {
    if (tail === "off") return;
    const es = new EventSource(`/api/logs/tail?${toParams(f)}`);
    es.addEventListener("line", (e) => {
      const line = JSON.parse((e as MessageEvent<string>).data) as Line;
      if (tailState.current === "paused") setHeld((h) => [line, ...h]);
      else
        setRes((prev) =>
          prev?.lines.some((l) => l.id === line.id)
            ? prev
            : {
                ...(prev ?? { lines: [] }),
                lines: [line, ...(prev?.lines ?? [])],
                // The count follows the lines that arrive, as the search would count them now.
                total: prev?.total && { ...prev.total, value: prev.total.value + 1 },
              },
        );
    });
    return () => es.close();
    // Restart only when the filters or on/off change, not on pause.
  }, [tail === "off", f]);
  const resume = () => {
    setRes((prev) => {
      const have = new Set(prev?.lines.map((l) => l.id));
      const fresh = held.filter((l) => !have.has(l.id));
      return {
        ...(prev ?? { lines: [] }),
        lines: [...fresh, ...(prev?.lines ?? [])],
        total: prev?.total && { ...prev.total, value: prev.total.value + fresh.length },
      };
    });
    setHeld([]);
    setTail("live");
  };

  const toggle = (key: "service" | "level" | "host", value: string) =>
    apply({ ...f, [key]: f[key].includes(value) ? f[key].filter((v) => v !== value) : [...f[key], value] });

  /** Every line of one request, whatever its service, level or host. */
  const sameRequest = (trace: string) => {
    const q = `trace.id:${trace}`;
    setDraft(q);
    apply({ ...f, q, service: [], level: [], host: [] });
  };

  const openContext = async (l: Line) => {
    if (context[l.id]) return setContext(({ [l.id]: _, ...rest }) => rest);
    setContext((c) => ({ ...c, [l.id]: "loading" }));
    const r = await fetch(`/api/logs/context?${new URLSearchParams({ index: l.index, id: l.id, n: "5" })}`);
    const body = (await r.json()) as { before: Line[]; after: Line[] };
    setContext((c) => ({ ...c, [l.id]: r.ok ? body : { before: [], after: [] } }));
  };

  const errorsOnly = f.level.length === ERROR_LEVELS.length && ERROR_LEVELS.every((l) => f.level.includes(l));
  const quick = ranges.some((r) => r.value === f.from) && f.to === "now";
  /** A range's end as the reader writes it: "now", a date, or a relative one as typed. */
  const when = (v: string) => (v === "now" ? t.now : Number.isNaN(Date.parse(v)) ? v : dateTime(v, reader));
  return (
    <>
      <form
        className="row-actions filters"
        onSubmit={(e) => {
          e.preventDefault();
          apply({ ...f, q: draft });
        }}
      >
        <input
          name="q"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder={t.logs_query_hint}
          style={{ flex: 1, minWidth: 320 }}
          aria-invalid={failure?.position !== undefined}
        />
        <select
          name="range"
          value={quick ? f.from : ""}
          onChange={(e) => apply({ ...f, from: e.target.value, to: "now" })}
        >
          {!quick && (
            <option value="">
              {when(f.from)} – {when(f.to)}
            </option>
          )}
          {ranges.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
        <button className="primary" type="submit">
          {t.search}
        </button>
        {/* The first thing an on-call engineer looks for: one tap, and again to undo. */}
        <button
          type="button"
          data-errors-only
          aria-pressed={errorsOnly}
          onClick={() => apply({ ...f, level: errorsOnly ? [] : [...ERROR_LEVELS] })}
        >
          ⚠ {t.errors_only}
        </button>
        <button
          type="button"
          data-tail={tail}
          onClick={() => (tail === "off" ? setTail("live") : tail === "live" ? setTail("paused") : resume())}
        >
          {tail === "off" ? `▶ ${t.live_tail}` : tail === "live" ? `❚❚ ${t.pause}` : `▶ ${t.resume} (${held.length})`}
        </button>
        {tail !== "off" && (
          <button type="button" onClick={() => (setTail("off"), setHeld([]))}>
            ■ {t.stop}
          </button>
        )}
        <a href={`/api/logs/export?${toParams(f, { format: "ndjson" })}`}>{t.export} NDJSON</a>
        <a href={`/api/logs/export?${toParams(f, { format: "csv" })}`}>CSV</a>
      </form>
      <ImportPanel
        t={t}
        reader={reader}
        onList={(list) => setImportNames(Object.fromEntries(list.map((i) => [i.id, i.name])))}
        // The import's own span of event times (a second either side), so the histogram spreads over it.
        onSearch={(i) =>
          apply({
            ...f,
            source: `import:${i.id}`,
            ...(i.first_event_at && i.last_event_at
              ? {
                  from: new Date(Date.parse(i.first_event_at) - 1000).toISOString(),
                  to: new Date(Date.parse(i.last_event_at) + 1000).toISOString(),
                }
              : { from: "now-520w", to: "now" }),
          })
        }
      />
      {f.source !== "all" && (
        <p className="row-actions">
          <button
            type="button"
            className="pill"
            data-filter="source"
            onClick={() => apply({ ...f, source: "all", from: "now-1h" })}
          >
            {t.import_source}: <span translate="no">{importNames[f.source.slice(7)] ?? f.source.slice(7)}</span> ✕
          </button>
        </p>
      )}
      {[...f.service.map((v) => ["service", v]), ...f.level.map((v) => ["level", v]), ...f.host.map((v) => ["host", v])]
        .length > 0 && (
        <p className="row-actions">
          {(["service", "level", "host"] as const).flatMap((k) =>
            f[k].map((v) => (
              <button
                key={`${k}:${v}`}
                type="button"
                className="pill"
                data-filter={`${k}:${v}`}
                onClick={() => toggle(k, v)}
              >
                {k}: {v} ✕
              </button>
            )),
          )}
        </p>
      )}
      {failure && (
        <div className="error" role="alert" data-query-error>
          {failure.position !== undefined ? (
            <>
              {t.qerr_at.replace("{n}", String(failure.position))} {queryReason(t, failure)}
              <pre className="log">
                {f.q}
                {"\n"}
                {" ".repeat(Math.max(0, failure.position - 1))}^ {queryReason(t, failure)}
              </pre>
            </>
          ) : (
            `${t.source_error}: ${failure.error}`
          )}
        </div>
      )}
      {res?.histogram && (
        <Histogram
          buckets={res.histogram}
          reader={reader}
          t={t}
          onZoom={(from, to) => apply({ ...f, from: new Date(from).toISOString(), to: new Date(to).toISOString() })}
        />
      )}
      <div className="logs-grid">
        <aside>
          {res?.fields &&
            FACETS.map(([field, key]) => (
              <section key={field} className="card" data-facet={field}>
                <h2 translate="no">{field}</h2>
                {res.fields![field].length === 0 && <p className="muted">{t.none}</p>}
                {res.fields![field].map((b) => (
                  <button
                    key={b.value}
                    type="button"
                    className={`facet${f[key].includes(b.value) ? " on" : ""}`}
                    data-value={b.value}
                    onClick={() => toggle(key, b.value)}
                  >
                    <span translate="no">{b.value}</span>{" "}
                    <span className="muted">{b.count.toLocaleString(reader.lang)}</span>
                  </button>
                ))}
              </section>
            ))}
        </aside>
        <section>
          <p className="muted" data-total={res?.total?.value}>
            {loading
              ? "…"
              : res?.total &&
                `${res.total.value.toLocaleString(reader.lang)}${res.total.relation === "gte" ? "+" : ""} ${t.hits}`}
            {tail === "live" && <span data-live="true"> · ● {t.live}</span>}
          </p>
          <table className="logs" data-table="logs">
            <tbody>
              {res?.lines.map((l) => (
                <Fragment key={l.id}>
                  <tr data-line={l.id}>
                    <td className="ts">{dateTime(l.ts, reader)}</td>
                    <td>
                      <span className={`pill lvl-${l.level}`} translate="no">
                        {l.level}
                      </span>
                    </td>
                    <td translate="no">{l.service}</td>
                    <td className="muted" translate="no">
                      {l.host}
                    </td>
                    <td className="msg" translate="no">
                      {/* Elasticsearch escaped the text (encoder: html); only our <mark> tags are markup. */}
                      {l.highlight ? <span dangerouslySetInnerHTML={{ __html: l.highlight }} /> : l.message}
                    </td>
                    <td>
                      <button type="button" className="link" onClick={() => void openContext(l)}>
                        {t.context}
                      </button>
                      {l.trace && (
                        <button
                          type="button"
                          className="link"
                          data-trace={l.trace}
                          title={t.same_request_title}
                          onClick={() => sameRequest(l.trace!)}
                        >
                          {t.same_request}
                        </button>
                      )}
                    </td>
                  </tr>
                  {context[l.id] && (
                    <tr data-context={l.id} translate="no">
                      <td colSpan={6}>
                        {context[l.id] === "loading" ? (
                          "…"
                        ) : (
                          <pre className="log">
                            {[
                              ...(context[l.id] as { before: Line[] }).before,
                              { ...l, id: "self" },
                              ...(context[l.id] as { after: Line[] }).after,
                            ].map((c) => (
                              <div key={c.id} className={c.id === "self" ? "self" : `lvl-${c.level}`}>
                                {clockTime(c.ts, reader)} {c.message}
                              </div>
                            ))}
                          </pre>
                        )}
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
          {res?.cursor && (
            <button type="button" onClick={() => void run(f, res.cursor)} disabled={loading} data-more>
              {t.older}
            </button>
          )}
        </section>
      </div>
    </>
  );
}

/** Hits over time, stacked by level; drag across it to zoom the time range. */
function Histogram({
  buckets,
  reader,
  t,
  onZoom,
}: {
  buckets: NonNullable<Result["histogram"]>;
  reader: Reader;
  t: Dict;
  onZoom: (from: number, to: number) => void;
}) {
  const [drag, setDrag] = useState<[number, number]>();
  const W = 1000;
  const H = 90;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const bw = W / Math.max(1, buckets.length);
  const at = (e: React.PointerEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return Math.min(W, Math.max(0, ((e.clientX - r.left) / r.width) * W));
  };
  const time = (x: number) => {
    const i = Math.min(buckets.length - 1, Math.floor(x / bw));
    const step = buckets.length > 1 ? buckets[1].t - buckets[0].t : 60_000;
    return buckets[i].t + ((x - i * bw) / bw) * step;
  };
  // Five times under the bars, and the tallest bar's count beside them: the SVG stretches to the
  // width, so its labels are HTML (text inside it would stretch too).
  const ticks = buckets.length
    ? [0, 0.25, 0.5, 0.75, 1].map((p) => buckets[Math.min(buckets.length - 1, Math.round(p * (buckets.length - 1)))].t)
    : [];
  const labels = axisTimes(
    ticks.map((tick) => tick / 1000),
    ticks.length > 1 ? (ticks.at(-1)! - ticks[0]) / 4000 : 60,
    reader,
  );
  return (
    <figure className="histogram" data-histogram-figure>
      <div className="histogram-scale muted">
        <span data-histogram-max>{max.toLocaleString(reader.lang)}</span>
        <span>{t.per_bar}</span>
      </div>
      {/* Its tooltips name log levels as the logs write them. */}
      <div translate="no">
        <svg
          className="histogram"
          data-histogram
          viewBox={`0 0 ${W} ${H}`}
          preserveAspectRatio="none"
          onPointerDown={(e) => setDrag([at(e), at(e)])}
          onPointerMove={(e) => drag && setDrag([drag[0], at(e)])}
          onPointerUp={() => {
            if (drag && Math.abs(drag[1] - drag[0]) > 4) onZoom(time(Math.min(...drag)), time(Math.max(...drag)));
            setDrag(undefined);
          }}
        >
          {buckets.map((b, i) => {
            let y = H;
            return Object.entries(b.levels).map(([level, n]) => {
              const h = (n / max) * (H - 4);
              y -= h;
              return (
                <rect
                  key={`${i}-${level}`}
                  x={i * bw + 0.5}
                  y={y}
                  width={Math.max(1, bw - 1)}
                  height={h}
                  fill={LEVEL_COLORS[level] ?? "#6f42c1"}
                >
                  <title>{`${dateTime(b.t, reader)} · ${level} ${n.toLocaleString(reader.lang)}`}</title>
                </rect>
              );
            });
          })}
          {drag && (
            <rect
              x={Math.min(...drag)}
              y={0}
              width={Math.abs(drag[1] - drag[0])}
              height={H}
              fill="rgba(31,111,235,0.2)"
            />
          )}
        </svg>
      </div>
      <figcaption className="histogram-axis muted" data-histogram-axis>
        {labels.map((label, i) => (
          <span key={i}>{label}</span>
        ))}
      </figcaption>
    </figure>
  );
}
