// The metric names the alert and recording rules read, taken from their PromQL: what must exist
// for a rule to be able to fire (scripts/stack.test.ts checks them on the running stack).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

// Aggregations too: `sum by (x) (…)` puts its modifier between the name and the parenthesis.
const KEYWORDS = new Set([
  "sum",
  "avg",
  "count",
  "min",
  "max",
  "group",
  "stddev",
  "stdvar",
  "topk",
  "bottomk",
  "quantile",
  "count_values",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "inf",
  "nan",
]);

/** Metric names in one PromQL expression (not functions, labels, keywords or recorded names' inputs). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "$1") // label lists
    .replace(/\boffset\s+\S+/g, "");
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = bare.slice(m.index + m[0].length).trimStart();
    const before = bare.slice(0, m.index);
    if (after.startsWith("(") || KEYWORDS.has(m[0].toLowerCase())) continue;
    if (/\d$|\d\.$/.test(before) || /^\d/.test(m[0])) continue; // 5m, 1e3
    names.add(m[0]);
  }
  return [...names];
}

/** Every metric name the rule files in `dir` read, sorted. */
export function ruleMetricNames(dir: string): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yml"))) {
    const doc = parse(readFileSync(join(dir, file), "utf8")) as { groups: { rules: { expr: string }[] }[] };
    for (const group of doc.groups)
      for (const rule of group.rules) for (const n of metricNames(String(rule.expr))) names.add(n);
  }
  return [...names].sort();
}
