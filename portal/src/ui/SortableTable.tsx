"use client";
// A table whose columns sort on click (numbers as numbers, text as text). A row may give
// `<key>__sort` (the value to sort by), `<key>__class` (the cell's class) and `<key>__spark`
// (a recent trend, drawn beside the value) and `<key>__href` (a link) beside `<key>`.
import Link from "next/link";
import { useState } from "react";
import { Sparkline } from "./Sparkline.tsx";

export interface Column {
  key: string;
  label: string;
  /** The column holds names from elsewhere (hosts, apps): shown as they are, never translated. */
  data?: boolean;
  /** Figures: right-aligned. */
  numeric?: boolean;
  /** Kept on one line (names a reader scans for: a host name broken in two reads as two). */
  nowrap?: boolean;
}

export function SortableTable({
  columns,
  rows,
  initial,
}: {
  columns: Column[];
  rows: Record<string, string | number | number[]>[];
  initial?: string;
}) {
  const [sort, setSort] = useState<{ key: string; desc: boolean }>({ key: initial ?? columns[0].key, desc: false });
  const sorted = [...rows].sort((a, b) => {
    const x = a[`${sort.key}__sort`] ?? a[sort.key];
    const y = b[`${sort.key}__sort`] ?? b[sort.key];
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return sort.desc ? -c : c;
  });
  return (
    <table>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.key} aria-sort={sort.key === c.key ? (sort.desc ? "descending" : "ascending") : undefined}>
              <button
                className="link"
                onClick={() => setSort({ key: c.key, desc: sort.key === c.key ? !sort.desc : false })}
              >
                {c.label} {sort.key === c.key ? (sort.desc ? "▼" : "▲") : ""}
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((r, i) => (
          <tr key={i} data-row={String(r.id ?? i)}>
            {columns.map((c) => (
              <td
                key={c.key}
                data-column={c.key}
                data-sort={String(r[`${c.key}__sort`] ?? r[c.key])}
                className={c.numeric ? "num nowrap" : c.nowrap ? "nowrap" : undefined}
                translate={c.data ? "no" : undefined}
              >
                <span className={r[`${c.key}__class`] as string | undefined}>
                  {r[`${c.key}__href`] ? (
                    <Link href={r[`${c.key}__href`] as string}>{r[c.key] as string | number}</Link>
                  ) : (
                    (r[c.key] as string | number)
                  )}
                </span>
                {Array.isArray(r[`${c.key}__spark`]) && <Sparkline values={r[`${c.key}__spark`] as number[]} />}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
