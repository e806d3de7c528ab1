"use client";
// A time-series chart with uPlot (what Grafana's panels use). The x axis and the legend's time
// are written in the reader's language and zone, 24-hour; the y axis is as wide as its longest
// label, so no figure is cut off.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Dict } from "@/lib/i18n.ts";
import { axisTimes, dateTime, durationText, type Reader } from "@/lib/time.ts";

export interface Series {
  label: string;
  points: [number, number][];
}

const COLORS = ["#0969da", "#1a7f37", "#bc4c00", "#cf222e", "#8250df", "#1b7c83"];

const bytes = (v: number, lang: string, extra = 0) => {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toLocaleString(lang, { maximumFractionDigits: (Math.abs(v) < 10 && i > 0 ? 1 : 0) + extra })} ${units[i]}`;
};

type ChartUnit = "ratio" | "bytes" | "bytes/s" | "seconds" | "plain";

/** A value as the chart's axis and legend write it, in the reader's language; `extra` more decimals. */
function chartValue(v: number | null | undefined, unit: ChartUnit, lang: Reader["lang"], extra = 0): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (unit === "ratio") return `${(v * 100).toLocaleString(lang, { maximumFractionDigits: extra })}%`;
  if (unit === "bytes") return bytes(v, lang, extra);
  if (unit === "bytes/s") return `${bytes(v, lang, extra)}/s`;
  if (unit === "seconds") return durationText(v, lang, 2);
  return v.toLocaleString(lang, {
    notation: Math.abs(v) >= 10_000 ? "compact" : "standard",
    maximumFractionDigits: 2 + extra,
  });
}

/** An axis' labels with as few decimals as keep them apart (379.6 and 380.1 B/s, not 380 twice). */
function axisLabels(ticks: number[], unit: ChartUnit, lang: Reader["lang"]): string[] {
  for (let extra = 0; ; extra++) {
    const labels = ticks.map((v) => chartValue(v, unit, lang, extra));
    if (new Set(labels).size === labels.length || extra === 3) return labels;
  }
}

/** The y axis' width: its longest label at the axis font, plus the tick and a gap. */
function axisWidth(self: uPlot, values: string[] | null): number {
  const ctx = self.ctx;
  ctx.save();
  ctx.font = "12px system-ui, sans-serif";
  const widest = Math.max(0, ...(values ?? []).map((v) => ctx.measureText(v).width));
  ctx.restore();
  return Math.ceil(widest) + 18;
}

/**
 * `range`: the chosen time range in Unix seconds, so the x axis spans it even with few points.
 * `sparse`: few points with gaps (e.g. one per day): draw the points and join across gaps.
 */
export function TimeSeries({
  title,
  series,
  unit,
  range,
  reader,
  t,
  sparse = false,
}: {
  title: string;
  series: Series[];
  unit: ChartUnit;
  range: [number, number];
  reader: Reader;
  t: Dict;
  sparse?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const times = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
    const data: uPlot.AlignedData = [
      times,
      ...series.map((s) => {
        const m = new Map(s.points);
        return times.map((t) => m.get(t) ?? null);
      }),
    ];
    const plot = new uPlot(
      {
        width: ref.current.clientWidth || 600,
        height: 220,
        series: [
          { label: t.time, value: (_u, v) => (v === null ? "–" : dateTime(v * 1000, reader)) },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: 1.5,
            value: (_u: uPlot, v: number | null) => chartValue(v, unit, reader.lang),
            ...(sparse ? { spanGaps: true, points: { show: true, size: 6 } } : {}),
          })),
        ],
        axes: [
          {
            stroke: "currentColor",
            values: (_u, ticks, _axis, _space, increment) => axisTimes(ticks, increment, reader),
            size: 44,
            // At least a "14:35:00" apart: uPlot's default 50 px let 15-second ticks run into each other.
            space: 72,
          },
          {
            stroke: "currentColor",
            values: (_u, ticks) => axisLabels(ticks, unit, reader.lang),
            size: axisWidth,
          },
        ],
        scales: { x: { time: true, range: () => range }, ...(unit === "ratio" ? { y: { range: [0, 1] } } : {}) },
      },
      data,
      ref.current,
    );
    // Follow the card's width (a phone turned sideways, a resized window).
    const resize = new ResizeObserver(([entry]) =>
      plot.setSize({ width: Math.floor(entry.contentRect.width), height: 220 }),
    );
    resize.observe(ref.current);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, unit, range, sparse, reader, t]);
  return (
    <section className="card" data-chart={title}>
      <h2>{title}</h2>
      {/* Series are hosts and projects, named as they are; the axes are figures and times. */}
      {/* Its room is kept before the chart is drawn (after hydration): the page does not jump. */}
      <div ref={ref} className="chart-area" translate="no" />
    </section>
  );
}
