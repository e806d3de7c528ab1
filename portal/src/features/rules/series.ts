/** A range query's series, as Prometheus answers it: labels, and [seconds, value] pairs. */
export interface Series {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Prometheus' answer, or its refusal with its own words. */
export type Answer<T> = { ok: true; data: T } | { ok: false; status: number; error: string; errorType?: string };
