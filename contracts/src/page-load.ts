// Real users' page-load timings as the business exporter exposes them and the portal and Grafana
// read them: each web-vital's histogram and its published thresholds (web.dev: at or below `good`
// is good, above `poor` is poor), which are bucket boundaries so the shares are exact.
export const VITALS = {
  LCP: { metric: "opsdeck_rum_lcp_seconds", unit: "s", good: 2.5, poor: 4 },
  INP: { metric: "opsdeck_rum_inp_seconds", unit: "s", good: 0.2, poor: 0.5 },
  CLS: { metric: "opsdeck_rum_cls", unit: "", good: 0.1, poor: 0.25 },
  FCP: { metric: "opsdeck_rum_fcp_seconds", unit: "s", good: 1.8, poor: 3 },
  TTFB: { metric: "opsdeck_rum_ttfb_seconds", unit: "s", good: 0.8, poor: 1.8 },
} as const;
export type VitalName = keyof typeof VITALS;

/** A bucket boundary as Prometheus 3 writes the `le` label (normalized floats: 4 → "4.0"). */
export const leLabel = (boundary: number) => (Number.isInteger(boundary) ? `${boundary}.0` : String(boundary));
