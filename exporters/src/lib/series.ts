// Metric families whose state we own, so it can be saved in a snapshot and restored exactly
// (prom-client cannot restore a histogram's buckets), rendered in the Prometheus text format.
export type MetricType = "counter" | "gauge" | "histogram";

export interface Series {
  labels: string[];
  value: number;
  /** Histograms: per-bucket (not cumulative) counts, the last one for +Inf. */
  counts?: number[];
  sum?: number;
}

export interface Family {
  name: string;
  help: string;
  type: MetricType;
  labelNames: string[];
  buckets?: number[];
  series: Map<string, Series>;
}

export function family(def: Omit<Family, "series">): Family {
  return { ...def, series: new Map() };
}

const SEP = "\u0000";

export function seriesOf(f: Family, labels: string[]): Series {
  const key = labels.join(SEP);
  let s = f.series.get(key);
  if (!s) {
    s = { labels, value: 0 };
    if (f.type === "histogram") {
      s.counts = new Array((f.buckets?.length ?? 0) + 1).fill(0);
      s.sum = 0;
    }
    f.series.set(key, s);
  }
  return s;
}

export function inc(f: Family, labels: string[], by = 1) {
  seriesOf(f, labels).value += by;
}

export function set(f: Family, labels: string[], value: number) {
  seriesOf(f, labels).value = value;
}

export function observe(f: Family, labels: string[], value: number) {
  const s = seriesOf(f, labels);
  const b = f.buckets ?? [];
  let i = 0;
  while (i < b.length && value > b[i]) i++;
  s.counts![i]++;
  s.sum! += value;
  s.value++;
}

export interface FamilyDump {
  name: string;
  series: Series[];
}

export function dump(f: Family): FamilyDump {
  return { name: f.name, series: [...f.series.values()] };
}

/** Restores series saved by `dump`; series whose shape no longer fits the definition are skipped. */
export function restore(f: Family, d: FamilyDump | undefined) {
  f.series.clear();
  for (const s of d?.series ?? []) {
    if (s.labels.length !== f.labelNames.length) continue;
    if (f.type === "histogram" && s.counts?.length !== (f.buckets?.length ?? 0) + 1) continue;
    f.series.set(s.labels.join(SEP), s);
  }
}

const escHelp = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escValue = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function labelText(names: string[], values: string[], extra?: string): string {
  const parts = names.map((n, i) => `${n}="${escValue(values[i])}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** The Prometheus text exposition format (0.0.4) of the given families. */
export function render(families: Family[]): string {
  let out = "";
  for (const f of families) {
    out += `# HELP ${f.name} ${escHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.series.values()) {
      if (f.type !== "histogram") {
        out += `${f.name}${labelText(f.labelNames, s.labels)} ${formatNumber(s.value)}\n`;
        continue;
      }
      const b = f.buckets ?? [];
      let cum = 0;
      for (let i = 0; i <= b.length; i++) {
        cum += s.counts![i];
        const le = i < b.length ? formatNumber(b[i]) : "+Inf";
        out += `${f.name}_bucket${labelText(f.labelNames, s.labels, `le="${le}"`)} ${cum}\n`;
      }
      const lt = labelText(f.labelNames, s.labels);
      out += `${f.name}_sum${lt} ${formatNumber(s.sum!)}\n${f.name}_count${lt} ${s.value}\n`;
    }
  }
  return out;
}

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
