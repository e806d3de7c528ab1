"use client";
// A time-series chart with uPlot (what Grafana's panels use). Values come formatted by the
// server's unit; the y axis shows them with the unit's suffix.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { duration } from "../features/deploys/duration.ts";

export interface Series {
  label: string;
  points: [number, number][];
}

const COLORS = ["#1f6feb", "#2e7d32", "#ef6c00", "#c62828", "#6f42c1", "#00838f"];

const bytes = (v: number) => {
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 && i > 0 ? 1 : 0)} ${units[i]}`;
};

/**
 * `range`: the chosen time range in Unix seconds, so the x axis spans it even with few points.
 * `sparse`: few points with gaps (e.g. one per day): draw the points and join across gaps.
 */
export function TimeSeries({
  title,
  series,
  unit,
  range,
  sparse = false,
}: {
  title: string;
  series: Series[];
  unit: "ratio" | "bytes" | "seconds" | "plain";
  range: [number, number];
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
    const fmt = (v: number) =>
      unit === "ratio"
        ? `${(v * 100).toFixed(0)}%`
        : unit === "bytes"
          ? bytes(v)
          : unit === "seconds"
            ? duration(v)
            : v.toFixed(2);
    const plot = new uPlot(
      {
        width: ref.current.clientWidth || 600,
        height: 220,
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: 1.5,
            ...(sparse ? { spanGaps: true, points: { show: true, size: 6 } } : {}),
          })),
        ],
        axes: [{ stroke: "currentColor" }, { stroke: "currentColor", values: (_u, vals) => vals.map(fmt), size: 60 }],
        scales: { x: { time: true, range: () => range }, ...(unit === "ratio" ? { y: { range: [0, 1] } } : {}) },
      },
      data,
      ref.current,
    );
    return () => plot.destroy();
  }, [series, unit, range, sparse]);
  return (
    <section className="card" data-chart={title}>
      <h2>{title}</h2>
      <div ref={ref} />
    </section>
  );
}
