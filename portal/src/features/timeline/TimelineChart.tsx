"use client";
// The timeline's lanes on one axis, as stretched SVG shapes with HTML labels (text inside a
// stretched SVG would stretch too): drag across them to zoom in, the buttons to pan, zoom out or
// go back to live (which refreshes every 30 s); tap an item for what it was.
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState, type ReactNode } from "react";
import type { AlertBar, DeployBar, RecoveryMark, Timeline } from "@opsdeck/contracts";
import { recoveryActionSchema } from "@opsdeck/core/actions/action";
import { actionText } from "@opsdeck/core/actions/action-text";
import type { Dict } from "@/lib/i18n.ts";
import { axisTimes, dateTime, durationText, type Reader } from "@/lib/time.ts";

/** A recovery mark's action in the reader's words (its kind and app as they are, if it is not one of the catalogue's). */
function markText(r: RecoveryMark, lang: Reader["lang"]): string {
  const action = recoveryActionSchema.safeParse({
    kind: r.kind,
    app: r.app,
    ...(r.instance !== undefined && { instance: r.instance }),
  });
  return action.success ? actionText(action.data, lang) : `${r.kind} ${r.app}`;
}

export interface Highlight {
  at: number;
  title: string;
  kind: string;
}

const W = 1000;
const LIVE_REFRESH_MS = 30_000;
const DEPLOY_CLASS: Record<string, string> = {
  succeeded: "tl-ok",
  running: "tl-running",
  failed: "tl-bad",
  timed_out: "tl-bad",
  cancelled: "tl-muted",
};

/** Rows so no two bars overlap: each bar goes to the first row free at its start. */
function pack<T extends { start: number; end?: number }>(bars: T[], to: number, maxRows: number) {
  const ends: number[] = [];
  return bars.map((bar) => {
    let row = ends.findIndex((end) => end <= bar.start);
    if (row < 0) row = ends.length < maxRows ? ends.length : ends.indexOf(Math.min(...ends));
    ends[row] = bar.end ?? to;
    return { bar, row };
  });
}

export function TimelineChart({
  data,
  live,
  highlight,
  t,
  reader,
}: {
  data: Timeline;
  live: boolean;
  highlight?: Highlight;
  t: Dict;
  reader: Reader;
}) {
  const router = useRouter();
  const path = usePathname();
  const search = useSearchParams();
  const [selected, setSelected] = useState<ReactNode>();
  const [drag, setDrag] = useState<[number, number]>();
  const span = data.to - data.from;
  const x = (ms: number) => Math.min(W, Math.max(0, ((ms - data.from) / span) * W));
  const timeAt = (fraction: number) => Math.round(data.from + fraction * span);

  // Drawn and interactive: marked for the benchmark (npm run bench timeline) and the tests.
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    performance.mark("opsdeck-timeline-drawn");
    setDrawn(true);
  }, [data]);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => router.refresh(), LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [live, router]);

  const go = (from: number, to: number | "now") => {
    const p = new URLSearchParams(search.toString());
    p.set("from", new Date(from).toISOString());
    if (to === "now") p.delete("to");
    else p.set("to", new Date(to).toISOString());
    router.push(`${path}?${p}`);
  };
  const shift = (by: number) => {
    const to = data.to + by;
    if (to >= Date.now()) go(Date.now() - span, "now");
    else go(data.from + by, to);
  };

  const fraction = (e: React.PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
  };

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((p) => (data.from + p * span) / 1000);
  const labels = axisTimes(ticks, span / 4000, reader);
  const when = (start: number, end?: number, open?: string) =>
    `${dateTime(start, reader)} – ${end ? dateTime(end, reader) : open} (${durationText(((end ?? data.to) - start) / 1000, reader.lang, 2)})`;

  const deployText = (d: DeployBar) => (
    <>
      <b translate="no">
        {d.project} {d.version ?? d.commit}
      </b>{" "}
      · {t[`st_${d.status}` as "st_running"] ?? d.status} · {when(d.start, d.end, t.still_running)}
      {d.actor && <span translate="no"> · {d.actor}</span>}
      {d.commit && <code> {d.commit}</code>} · <a href={`/deploys/${encodeURIComponent(d.id)}`}>→</a>
    </>
  );
  const alertText = (a: AlertBar) => (
    <>
      <b translate="no">{a.alertname}</b> · {t[a.severity as "critical"] ?? a.severity} ·{" "}
      {when(a.start, a.end, t.still_firing)}{" "}
      <span className="muted" translate="no">
        {Object.entries(a.labels)
          .filter(([k]) => k !== "alertname" && k !== "severity")
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}
      </span>
    </>
  );

  const alertRows = pack(data.alerts, data.to, 6);
  const alertHeight = Math.max(1, ...alertRows.map((r) => r.row + 1)) * 12;
  const logMax = Math.max(1, ...data.logs.flatMap((l) => l.error.map((e, i) => e + l.warn[i])));
  const bucketWidth = (data.step_ms / span) * W;

  const lane = (name: string, title: ReactNode, height: number, empty: boolean, shapes: ReactNode) => (
    <div className="tl-lane" data-lane={name}>
      <div className="tl-label">
        {title}
        {empty && <span className="muted"> · {t.nothing_in_range}</span>}
      </div>
      <svg viewBox={`0 0 ${W} ${height}`} preserveAspectRatio="none" height={height} aria-hidden="true">
        {shapes}
      </svg>
    </div>
  );

  return (
    <section
      className="card tl-chart"
      data-timeline
      data-from={data.from}
      data-to={data.to}
      data-drawn={drawn ? "" : undefined}
    >
      <div className="row-actions">
        <button type="button" onClick={() => shift(-span / 2)}>
          {t.earlier}
        </button>
        <button type="button" onClick={() => shift(span / 2)} disabled={live}>
          {t.later}
        </button>
        <button type="button" onClick={() => go(data.from - span / 2, live ? "now" : data.to + span / 2)}>
          {t.zoom_out}
        </button>
        {live ? (
          <span className="pill s-up" data-live>
            ● {t.live}
          </span>
        ) : (
          <button type="button" onClick={() => go(Date.now() - span, "now")}>
            {t.back_to_live}
          </button>
        )}
      </div>
      <div
        className="tl-lanes"
        onPointerDown={(e) => {
          if ((e.target as Element).closest("[data-item]")) return;
          setDrag([fraction(e), fraction(e)]);
        }}
        onPointerMove={(e) => drag && setDrag([drag[0], fraction(e)])}
        onPointerUp={() => {
          if (drag && Math.abs(drag[1] - drag[0]) > 0.01) go(timeAt(Math.min(...drag)), timeAt(Math.max(...drag)));
          setDrag(undefined);
        }}
      >
        {lane(
          "deploys",
          t.deploys,
          18,
          data.deploys.length === 0,
          data.deploys.map((d) => (
            <rect
              key={d.id}
              data-item="deploy"
              data-status={d.status}
              className={DEPLOY_CLASS[d.status] ?? "tl-muted"}
              x={x(d.start)}
              y={2}
              width={Math.max(4, x(d.end ?? data.to) - x(d.start))}
              height={14}
              onClick={() => setSelected(deployText(d))}
            />
          )),
        )}
        {lane(
          "alerts",
          t.alerts,
          alertHeight + 4,
          data.alerts.length === 0,
          <>
            {alertRows.map(({ bar, row }, i) => (
              <rect
                key={`${bar.alertname}-${bar.start}-${i}`}
                data-item="alert"
                data-alertname={bar.alertname}
                className={`tl-sev-${bar.severity}`}
                x={x(bar.start)}
                y={2 + row * 12}
                width={Math.max(4, x(bar.end ?? data.to) - x(bar.start))}
                height={10}
                onClick={() => setSelected(alertText(bar))}
              />
            ))}
            {data.acks.map((a) => (
              <rect
                key={`ack-${a.at}`}
                data-item="ack"
                className="tl-ack"
                x={x(a.at) - 1.5}
                y={0}
                width={3}
                height={alertHeight + 4}
                onClick={() =>
                  setSelected(
                    <>
                      {t.acked} · {dateTime(a.at, reader)} · <span translate="no">{a.by}</span>: {a.comment}
                    </>,
                  )
                }
              />
            ))}
            {data.recoveries.map((r) => (
              <rect
                key={`recovery-${r.at}-${r.kind}`}
                data-item="recovery"
                data-outcome={r.outcome}
                className={`tl-recovery tl-recovery-${r.outcome}`}
                x={x(r.at) - 1.5}
                y={0}
                width={3}
                height={alertHeight + 4}
                onClick={() =>
                  setSelected(
                    <>
                      {t.recovery_mark} · {dateTime(r.at, reader)} ·{" "}
                      <span translate="no">
                        {r.by.startsWith("rule:") ? t.recovery_by_rule : r.by} · {markText(r, reader.lang)} @ {r.host}
                      </span>{" "}
                      · {t[`recovery_mark_${r.outcome}` as keyof Dict] ?? r.outcome}
                    </>,
                  )
                }
              />
            ))}
          </>,
        )}
        {lane(
          "pm2",
          t.lane_pm2,
          18,
          data.restarts.length + data.crashes.length === 0,
          <>
            {data.crashes.map((c, i) => (
              <rect
                key={`crash-${i}`}
                data-item="crash"
                className="tl-bad"
                x={x(c.start)}
                y={2}
                width={Math.max(4, x(c.end ?? data.to) - x(c.start))}
                height={14}
                onClick={() =>
                  setSelected(
                    <>
                      <b translate="no">{c.app}</b> {t.crashed} · {when(c.start, c.end, t.still_firing)}
                    </>,
                  )
                }
              />
            ))}
            {data.restarts.map((r, i) => (
              <rect
                key={`restart-${i}`}
                data-item="restart"
                className="tl-warn"
                x={x(r.at) - 2}
                y={2}
                width={4}
                height={14}
                onClick={() =>
                  setSelected(
                    <>
                      <b translate="no">{r.app}</b>{" "}
                      {t.restarted_times.replace("{n}", r.count.toLocaleString(reader.lang))} · {dateTime(r.at, reader)}
                      {r.host && <span translate="no"> · {r.host}</span>}
                    </>,
                  )
                }
              />
            ))}
          </>,
        )}
        {data.logs.length === 0 && lane("logs", t.lane_logs, 6, true, null)}
        {data.logs.map((l) =>
          lane(
            `logs-${l.service}`,
            <>
              {t.lane_logs} · <span translate="no">{l.service}</span>
            </>,
            24,
            false,
            l.error.map((e, i) => {
              const w = l.warn[i];
              if (!e && !w) return null;
              const he = (e / logMax) * 22;
              const hw = (w / logMax) * 22;
              const at = data.from + i * data.step_ms;
              return (
                <g
                  key={i}
                  data-item="logs"
                  onClick={() =>
                    setSelected(
                      <>
                        <b translate="no">{l.service}</b> · {dateTime(at, reader)} · error{" "}
                        {e.toLocaleString(reader.lang)} · warn {w.toLocaleString(reader.lang)} ·{" "}
                        <a
                          href={`/logs?${new URLSearchParams({ service: l.service, level: "error", from: new Date(at).toISOString(), to: new Date(at + data.step_ms).toISOString() })}`}
                        >
                          {t.logs} →
                        </a>
                      </>,
                    )
                  }
                >
                  <rect className="tl-bad" x={x(at)} y={24 - he} width={Math.max(1, bucketWidth - 0.5)} height={he} />
                  <rect
                    className="tl-warn"
                    x={x(at)}
                    y={24 - he - hw}
                    width={Math.max(1, bucketWidth - 0.5)}
                    height={hw}
                  />
                </g>
              );
            }),
          ),
        )}
        {data.kpis.map((k) => {
          const values = k.points.map(([, v]) => v);
          const min = Math.min(...values);
          const max = Math.max(...values);
          const y = (v: number) => (max === min ? 12 : 22 - ((v - min) / (max - min)) * 20);
          const title = t[k.id as "orders_per_minute"] ?? k.id;
          return lane(
            `kpi-${k.id}`,
            `${t.lane_kpis} · ${title}`,
            24,
            false,
            <polyline
              className="tl-kpi"
              fill="none"
              vectorEffect="non-scaling-stroke"
              points={k.points.map(([ts, v]) => `${x(ts).toFixed(1)},${y(v).toFixed(1)}`).join(" ")}
            />,
          );
        })}
        {/* The marks across every lane: the alert's start, the likeliest change before it, the drag. */}
        <div className="tl-marks" aria-hidden="true">
          {data.at !== undefined && (
            <div className="tl-mark tl-mark-alert" style={{ left: `${(x(data.at) / W) * 100}%` }} data-mark="alert" />
          )}
          {highlight && (
            <div
              className="tl-mark tl-mark-change"
              style={{ left: `${(x(highlight.at) / W) * 100}%` }}
              data-mark="change"
            />
          )}
          {drag && (
            <div
              className="tl-drag"
              style={{ left: `${Math.min(...drag) * 100}%`, width: `${Math.abs(drag[1] - drag[0]) * 100}%` }}
            />
          )}
        </div>
      </div>
      <div className="histogram-axis muted tl-axis" data-axis>
        {labels.map((l, i) => (
          <span key={i}>{l}</span>
        ))}
      </div>
      {/* What the marks across the lanes are. */}
      {(data.at !== undefined || highlight) && (
        <p className="tl-legend">
          {data.at !== undefined && (
            <span>
              <span className="tl-key tl-key-alert" /> {t.alert_began} · {dateTime(data.at, reader)}
            </span>
          )}
          {highlight && (
            <span data-highlight>
              <span className="tl-key tl-key-change" /> {t.likeliest_change}: <b translate="no">{highlight.title}</b> ·{" "}
              {dateTime(highlight.at, reader)}
            </span>
          )}
        </p>
      )}
      <p className="tl-selected" data-selected aria-live="polite">
        {selected}
      </p>
    </section>
  );
}
