// A probe's last 90 days as a bar of 90 slim days (the last 30 on a phone), each coloured by that
// day's availability — the bar status pages use, from the hourly recording rule. One element a
// probe: the days are a gradient of runs of the same colour (most days are alike), the gaps
// between them a mask in the stylesheet — 90 elements a probe made a 50-probe page 754 KB.
// Its title and label say the average and the worst day. Server-rendered: no script.
import type { Dict } from "@/lib/i18n.ts";
import type { Reader } from "@/lib/time.ts";
import { fmt } from "@/lib/format.ts";
import { dayGradient } from "./view.ts";

const DAY_MS = 86_400_000;

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
  const date = new Intl.DateTimeFormat(reader.lang, { timeZone: reader.timeZone, month: "2-digit", day: "2-digit" });
  const known = days.flatMap((v, i) => (v === null ? [] : [{ v, i }]));
  const worst = known.reduce<{ v: number; i: number } | undefined>((w, d) => (!w || d.v < w.v ? d : w), undefined);
  const summary = worst
    ? t.status_bar_summary
        .replace("{n}", String(days.length))
        .replace("{average}", fmt("percentunit", known.reduce((a, d) => a + d.v, 0) / known.length, 2))
        .replace("{date}", date.format(new Date(firstDay + worst.i * DAY_MS + DAY_MS / 2)))
        .replace("{worst}", fmt("percentunit", worst.v, 2))
    : t.status_no_data;
  return (
    <div className="availability">
      <div
        className="availability-bar"
        role="img"
        aria-label={summary}
        title={summary}
        style={{ backgroundImage: dayGradient(days), ["--days" as string]: days.length }}
      />
      <div className="availability-axis muted">
        <span className="wide-only">{t.status_days_ago.replace("{n}", String(days.length))}</span>
        <span className="narrow-only">{t.status_days_ago.replace("{n}", "30")}</span>
        <span>{t.status_today}</span>
      </div>
    </div>
  );
}
