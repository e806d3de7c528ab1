// A duration in seconds as people write it: 45s, 3m20s, 2h5m. Client-safe (no @grafana/data).
export function duration(seconds?: number): string {
  if (seconds === undefined) return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
