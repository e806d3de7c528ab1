// The metric names the alert and recording rules read, taken from their PromQL: what must exist
// for a rule to be able to fire (scripts/stack.test.ts checks them on the running stack).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { selectors } from "./promql.ts";

/** Metric names in one PromQL expression (not functions, labels, keywords or recorded names' inputs). */
export const metricNames = (expr: string): string[] => [
  ...new Set(
    selectors(expr)
      .map((s) => s.metric)
      .filter(Boolean),
  ),
];

/** Every metric name the rule files in `dir` read (those `files` passes: all by default), sorted. */
export function ruleMetricNames(dir: string, files: (file: string) => boolean = () => true): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yml") && files(f))) {
    const doc = parse(readFileSync(join(dir, file), "utf8")) as { groups: { rules: { expr: string }[] }[] };
    for (const group of doc.groups)
      for (const rule of group.rules) for (const n of metricNames(String(rule.expr))) names.add(n);
  }
  return [...names].sort();
}
