// Numbers as Grafana shows them: the portal uses @grafana/data's value formats, so a ratio, a
// byte count or a duration reads the same here and in the embedded Grafana panels. Server-side
// only, through its CommonJS build: its ESM build imports a named export moment-timezone (CJS)
// does not provide under Node's ESM loader, and keeping it out of the browser keeps it out of
// the bundle.
import { createRequire } from "node:module";

// @grafana/data reads navigator.language to format numbers; Node 20 has no navigator (21+ has).
(globalThis as { navigator?: unknown }).navigator ??= { language: "en-US", languages: ["en-US"], userAgent: "node" };

type GrafanaData = typeof import("@grafana/data");
const grafana = createRequire(import.meta.url)("@grafana/data") as GrafanaData;

export const fmt = (unit: string, value: number | undefined, decimals = 1) =>
  value === undefined || Number.isNaN(value)
    ? "–"
    : grafana.formattedValueToString(grafana.getValueFormat(unit)(value, decimals));

/** Seconds as the reader reads a latency: "38 ms", "1.21 s". */
export const latencyText = (seconds: number | undefined) =>
  fmt("s", seconds, seconds !== undefined && seconds < 1 ? 0 : 2);

/**
 * Yuan as the reader writes large amounts: 7.3万 in Chinese (not a Latin "K"), ¥72.6K in English;
 * whole below ten thousand.
 */
export function yuanText(value: number | undefined, lang: "zh-CN" | "en"): string {
  if (value === undefined || Number.isNaN(value)) return "–";
  return new Intl.NumberFormat(lang, {
    style: "currency",
    currency: "CNY",
    currencyDisplay: "narrowSymbol",
    notation: Math.abs(value) >= 10_000 ? "compact" : "standard",
    minimumFractionDigits: 0,
    maximumFractionDigits: Math.abs(value) >= 10_000 ? 1 : 0,
  }).format(value);
}

/** Relative ranges as Grafana writes them ("now-6h" … "now"), parsed by Grafana's own date math. */
export const RANGES = ["now-15m", "now-1h", "now-6h", "now-24h", "now-7d"] as const;

/** A picker range ending now (as Grafana's quick ranges are); anything else falls back to `fallback`. */
export function parseRange(
  from: string | undefined,
  fallback: (typeof RANGES)[number] = "now-6h",
): { from: string; to: "now"; start: number; end: number } {
  const f = from && RANGES.includes(from as (typeof RANGES)[number]) ? from : fallback;
  const start = grafana.dateMath.parse(f)!.valueOf();
  const end = grafana.dateMath.parse("now", true)!.valueOf();
  return { from: f, to: "now", start, end };
}

const ZH_UNITS: Record<string, string> = { minute: "分钟", hour: "小时", day: "天", week: "周" };

/** The picker's ranges, labelled as Grafana labels them ("Last 6 hours"), in the reader's language. */
export const rangeOptions = (lang: "zh-CN" | "en") =>
  RANGES.map((value) => {
    const label = grafana.rangeUtil.describeTextRange(value).display;
    const m = /^Last (\d+) (minute|hour|day|week)s?$/.exec(label);
    return { value, label: lang === "zh-CN" && m ? `最近 ${m[1]} ${ZH_UNITS[m[2]]}` : label };
  });
