/** A range query's series, as Prometheus answers it: labels, and [seconds, value] pairs. */
export interface Series {
  metric: Record<string, string>;
  values: [number, string][];
}
