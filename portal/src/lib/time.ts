// Dates, times and durations in the reader's language and time zone. Client-safe: the server
// renders with the zone the browser reported (the `tz` cookie, set by the top bar), so the
// first paint and the live updates agree, and a zh-CN reader sees 2026/12/01 19:33:12.
export type Lang = "zh-CN" | "en";

/** Who is reading: their language and IANA time zone. */
export interface Reader {
  lang: Lang;
  timeZone: string;
}

/** The zone if the runtime knows it, else undefined (a forged or stale cookie). */
export function validTimeZone(zone: string | undefined): string | undefined {
  if (!zone || zone.length > 64) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();
function formatter(reader: Reader, kind: "dateTime" | "clock" | "axisDay" | "axisMinute") {
  const key = `${reader.lang}|${reader.timeZone}|${kind}`;
  let f = formats.get(key);
  if (!f) {
    const base = { timeZone: reader.timeZone, hourCycle: "h23" } as const;
    const options: Intl.DateTimeFormatOptions =
      kind === "dateTime"
        ? {
            ...base,
            year: "numeric",
            month: "2-digit",
            day: "2-digit",
            hour: "2-digit",
            minute: "2-digit",
            second: "2-digit",
          }
        : kind === "clock"
          ? { ...base, hour: "2-digit", minute: "2-digit", second: "2-digit" }
          : kind === "axisDay"
            ? { ...base, month: "2-digit", day: "2-digit" }
            : { ...base, hour: "2-digit", minute: "2-digit" };
    f = new Intl.DateTimeFormat(reader.lang, options);
    formats.set(key, f);
  }
  return f;
}

const toDate = (value: string | number | Date) => (value instanceof Date ? value : new Date(value));

/** Date and time, 24-hour: 2026/12/01 19:33:12 (zh-CN), 12/01/2026, 19:33:12 (en). */
export const dateTime = (value: string | number | Date, reader: Reader) =>
  formatter(reader, "dateTime").format(toDate(value));

/** Time of day, 24-hour: 19:33:12. */
export const clockTime = (value: string | number | Date, reader: Reader) =>
  formatter(reader, "clock").format(toDate(value));

/**
 * Labels for a chart's time axis (Unix seconds): hours and minutes (and seconds, for ticks
 * under a minute apart) when the ticks are less than a day apart, with the date where the
 * day changes; the date alone for wider ticks.
 */
export function axisTimes(ticks: number[], spacingSeconds: number, reader: Reader): string[] {
  const day = formatter(reader, "axisDay");
  // Ticks closer than a minute need their seconds, or two of them read the same.
  const time = formatter(reader, spacingSeconds < 60 ? "clock" : "axisMinute");
  if (spacingSeconds >= 86_400) return ticks.map((t) => day.format(t * 1000));
  let lastDay = "";
  return ticks.map((t) => {
    const d = day.format(t * 1000);
    const hm = time.format(t * 1000);
    const label = d === lastDay ? hm : `${hm}\n${d}`;
    lastDay = d;
    return label;
  });
}

const DURATION_UNITS = {
  en: { d: "d", h: "h", m: "m", s: "s" },
  "zh-CN": { d: " 天", h: " 小时", m: " 分钟", s: " 秒" },
} as const;

/**
 * Seconds as people write a duration: 45m, 1h 30m, 3d 4h (zh-CN: 45 分钟, 1 小时 30 分钟).
 * `parts` keeps the largest units only (an uptime of 3d 4h needs no seconds).
 */
export function durationText(seconds: number | undefined, lang: Lang, parts = 4): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "–";
  const units = DURATION_UNITS[lang];
  const out: string[] = [];
  let left = Math.round(Math.abs(seconds));
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(left / size);
    left -= n * size;
    if (n > 0 || out.length > 0) out.push(`${n}${units[unit]}`);
  }
  const kept = out.slice(0, parts).filter((p) => !/^0\D/.test(p));
  if (kept.length === 0) return seconds > 0 && seconds < 1 ? `${seconds.toFixed(2)}${units.s}` : `0${units.s}`;
  return (seconds < 0 ? "-" : "") + kept.join(" ");
}

/**
 * A chart's range fitted to its data: on a fresh stack "Last 6 hours" would squeeze an hour of
 * samples into a sliver, so when the first sample comes well after the range's start the range
 * starts there instead, and `since` says when collecting began.
 */
export function fitRange(
  range: [number, number],
  firstSample: number | undefined,
): { range: [number, number]; since?: number } {
  const [start, end] = range;
  if (firstSample === undefined || firstSample - start < (end - start) * 0.2) return { range };
  const pad = Math.max(60, (end - firstSample) * 0.05);
  return { range: [Math.max(start, firstSample - pad), end], since: firstSample };
}
