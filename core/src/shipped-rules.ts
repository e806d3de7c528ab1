// The alert rules shipped with OpsDeck (provisioning/prometheus/rules) as Prometheus loads them
// once the portal's Rules page is on: copied into <rules dir>/shipped/, with the overrides made on
// the page applied. Prometheus has no per-rule switch, so an override is a rewrite of the copy:
// the shipped rule replaced by the team's version, or left out (an override turned off). The
// originals stay read-only; removing an override restores the original at the next render.
//
// Both the stack (before Prometheus starts: renderPrometheusConfig) and the portal (after every
// change, and at its start) render, so the shipped rules never depend on the portal running, and
// an override survives a stack restart. The portal writes the overrides file; this reads it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { replaceFile } from "./atomic-file.ts";
import {
  alertingRuleSchema,
  sameTarget,
  shippedTargetSchema,
  type AlertingRule,
  type ShippedTarget,
} from "./shipped-target.ts";

export { sameTarget, shippedTargetSchema, type AlertingRule, type ShippedTarget };

/** In the rules directory, beside the portal's group files (Prometheus loads only *.yml there). */
export const OVERRIDES_FILE = "shipped-overrides.json";
export const SHIPPED_DIR = "shipped";

export const overridesSchema = z.array(
  z.strictObject({
    target: shippedTargetSchema,
    /** The rule Prometheus evaluates instead; null: the shipped rule is turned off. */
    rule: alertingRuleSchema.nullable(),
  }),
);
export type Override = z.infer<typeof overridesSchema>[number];

const ruleFileSchema = z.object({
  groups: z.array(z.looseObject({ name: z.string(), rules: z.array(z.record(z.string(), z.unknown())) })),
});

export interface ShippedRule extends ShippedTarget {
  group: string;
  rule: AlertingRule;
}

const ruleFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".yml"))
    .sort();

/** Every alerting rule of the shipped files (recording rules are not overridable). */
export function shippedRules(sourceDir: string): ShippedRule[] {
  return ruleFiles(sourceDir).flatMap((file) =>
    ruleFileSchema.parse(parse(readFileSync(join(sourceDir, file), "utf8"))).groups.flatMap((group) =>
      group.rules
        .filter((r) => "alert" in r)
        .map((r) => {
          const rule = alertingRuleSchema.parse(r);
          return { file, group: group.name, alert: rule.alert, labels: rule.labels, rule };
        }),
    ),
  );
}

export function readOverrides(rulesDir: string): Override[] {
  const path = join(rulesDir, OVERRIDES_FILE);
  return existsSync(path) ? overridesSchema.parse(JSON.parse(readFileSync(path, "utf8"))) : [];
}

/**
 * A shipped file with its overrides applied: the original text when none touches it (so a diff
 * against provisioning/ shows only what a team changed). An override keeps the original's other
 * annotations (a dashboard link, say) unless it sets them itself.
 */
export function renderShippedFile(file: string, text: string, overrides: Override[]): string {
  const mine = overrides.filter((o) => o.target.file === file);
  if (!mine.length) return text;
  const doc = ruleFileSchema.parse(parse(text));
  for (const group of doc.groups)
    group.rules = group.rules.flatMap((entry) => {
      if (!("alert" in entry)) return [entry];
      const original = alertingRuleSchema.parse(entry);
      const target = { file, alert: original.alert, labels: original.labels };
      const override = mine.find((o) => sameTarget(o.target, target));
      if (!override) return [entry];
      if (!override.rule) return [];
      return [{ ...override.rule, annotations: { ...original.annotations, ...override.rule.annotations } }];
    });
  return (
    `# Rendered by OpsDeck from provisioning/prometheus/rules/${file} with ${mine.length} override(s)\n` +
    "# made on the portal's Rules page. Edit the rules there: this file is rewritten.\n" +
    stringify(doc)
  );
}

/**
 * Writes <rulesDir>/shipped/<file> for every shipped file (only those whose text changed) and
 * removes copies of files no longer shipped. Returns the overrides whose rule is no longer
 * shipped (an upgrade removed or renamed it): they apply to nothing.
 */
export function renderShippedRules(sourceDir: string, rulesDir: string): { files: string[]; orphaned: Override[] } {
  const overrides = readOverrides(rulesDir);
  const out = join(rulesDir, SHIPPED_DIR);
  mkdirSync(out, { recursive: true });
  const files = ruleFiles(sourceDir);
  for (const file of files) {
    const text = renderShippedFile(file, readFileSync(join(sourceDir, file), "utf8"), overrides);
    const path = join(out, file);
    if (!existsSync(path) || readFileSync(path, "utf8") !== text) replaceFile(path, text);
  }
  for (const file of ruleFiles(out)) if (!files.includes(file)) rmSync(join(out, file), { force: true });
  const shipped = shippedRules(sourceDir);
  return { files, orphaned: overrides.filter((o) => !shipped.some((s) => sameTarget(s, o.target))) };
}
