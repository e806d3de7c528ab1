"use client";
// Grafana's relative ranges (now-15m … now-7d) and auto-refresh; the range lives in the URL
// (?from=now-6h&to=now) as in Grafana, so a link opens the same view.
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import type { Dict } from "@/lib/i18n.ts";

export function RangePicker({
  t,
  from,
  ranges,
}: {
  t: Dict;
  from: string;
  ranges: { value: string; label: string }[];
}) {
  const router = useRouter();
  const path = usePathname();
  const params = useSearchParams();
  const [every, setEvery] = useState(0);
  useEffect(() => {
    if (!every) return;
    const id = setInterval(() => router.refresh(), every * 1000);
    return () => clearInterval(id);
  }, [every, router]);
  return (
    <div className="row-actions">
      <label>
        {t.range}{" "}
        <select
          name="range"
          value={from}
          onChange={(e) => {
            // Keep the page's other parameters (filters); a new range starts from the first page.
            const next = new URLSearchParams(params);
            next.set("from", e.target.value);
            next.set("to", "now");
            next.delete("cursor");
            router.push(`${path}?${next}`);
          }}
        >
          {ranges.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t.refresh}{" "}
        <select value={every} onChange={(e) => setEvery(Number(e.target.value))}>
          <option value={0}>{t.off}</option>
          <option value={30}>30s</option>
          <option value={60}>1m</option>
        </select>
      </label>
    </div>
  );
}
