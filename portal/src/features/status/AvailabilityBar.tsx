// A probe's last 90 days as 90 slim bars (the last 30 on a phone), each coloured by that day's
// availability and titled with its date and share — the bar status pages use, from the hourly
// recording rule. Server-rendered: no script.
import type { Dict } from "@/lib/i18n.ts";
import type { Reader } from "@/lib/time.ts";
import { fmt } from "@/lib/format.ts";

const DAY_MS = 86_400_000;

/** A day's class: all good, a little lost, much lost, no data. */
export function dayLevel(value: number | null): "full" | "partial" | "low" | "none" {
  if (value === null) return "none";
  if (value >= 0.999) return "full";
  return value >= 0.95 ? "partial" : "low";
}

export function AvailabilityBar({
  days,
  firstDay,
  t,
  reader,
}: {
  days: (number | null)[];
  firstDay: number;
  t: Dict;
  reader: Reader;
}) {
  const date = new Intl.DateTimeFormat(reader.lang, {
    timeZone: reader.timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return (
    <div className="availability">
      <div className="availability-bar" role="img" aria-label={t.probe_availability}>
        {days.map((value, i) => {
          const text = t.status_day_title
            .replace("{date}", date.format(new Date(firstDay + i * DAY_MS + DAY_MS / 2)))
            .replace("{value}", value === null ? t.status_no_data : fmt("percentunit", value, 2));
          return <span key={i} className={`day d-${dayLevel(value)}`} title={text} />;
        })}
      </div>
      <div className="availability-axis muted">
        <span className="wide-only">{t.status_days_ago.replace("{n}", String(days.length))}</span>
        <span className="narrow-only">{t.status_days_ago.replace("{n}", "30")}</span>
        <span>{t.status_today}</span>
      </div>
    </div>
  );
}
