// An alert rule as the Rules page and POST /api/alerts/rules take it: a threshold built from a
// metric, its labels, a function and a comparison (the common case), or raw PromQL for the rest;
// with `for`, severity, summary and description in both languages, a runbook and routing
// labels. Turned here into the Prometheus rule OpsDeck's shipped rules look like (summary /
// summary_zh, description / description_zh, runbook_url), one rule file per group.
import { stringify } from "yaml";
import { z } from "zod";
import { alertingRuleSchema, shippedTargetSchema } from "@opsdeck/core/shipped-target";
import { recoveryAnnotations, ruleRecovery, ruleRecoverySchema } from "../recovery/rule-action.ts";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A group is a file name too: lower case, digits, - and _. */
export const GROUP_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Prometheus' duration, e.g. 5m, 1h30m. */
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
/** Labels Prometheus or OpsDeck set, not the rule's routing labels. */
const RESERVED_LABELS = new Set(["alertname", "severity"]);

const duration = z.string().regex(DURATION, "a duration such as 30s, 5m or 1h30m");
const labelName = z.string().regex(LABEL_NAME, "letters, digits and _, not starting with a digit");

export const MATCH_OPS = ["=", "!=", "=~", "!~"] as const;
export const COMPARISONS = [">", ">=", "<", "<=", "==", "!="] as const;
export const FUNCTIONS = ["value", "rate", "increase"] as const;
export const AGGREGATES = ["none", "sum", "avg", "min", "max", "count"] as const;
export const SEVERITIES = ["critical", "warning", "info"] as const;

export const thresholdSchema = z.strictObject({
  kind: z.literal("threshold"),
  metric: z.string().regex(METRIC_NAME, "a metric name: letters, digits, _ and :"),
  matchers: z
    .array(z.strictObject({ label: labelName, op: z.enum(MATCH_OPS), value: z.string().max(500) }))
    .max(20)
    .default([]),
  /** The value as scraped, its per-second rate, or its increase over `window`. */
  function: z.enum(FUNCTIONS).default("value"),
  window: duration.default("5m"),
  aggregate: z.enum(AGGREGATES).default("none"),
  by: z.array(labelName).max(10).default([]),
  comparison: z.enum(COMPARISONS),
  threshold: z.number().finite(),
});

export const promqlSchema = z.strictObject({
  kind: z.literal("promql"),
  expr: z.string().trim().min(1, "an expression is required").max(4000),
});

export const conditionSchema = z.discriminatedUnion("kind", [thresholdSchema, promqlSchema]);

const text = (max: number) => z.string().trim().max(max);

export const ruleInputSchema = z.strictObject({
  group: z.string().regex(GROUP_NAME, "lower-case letters, digits, - and _ (it names the rule file)"),
  alert: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, "letters, digits and _, e.g. OrdersLow"),
  enabled: z.boolean().default(true),
  condition: conditionSchema,
  for: duration.default("5m"),
  severity: z.enum(SEVERITIES).default("warning"),
  summary: z.strictObject({
    "zh-CN": text(1000).min(1, "a summary is required"),
    en: text(1000).min(1, "a summary is required"),
  }),
  description: z.strictObject({ "zh-CN": text(2000).default(""), en: text(2000).default("") }).prefault({}),
  runbook_url: z
    .union([
      z.url().max(2000),
      z
        .string()
        .max(2000)
        .regex(/^[\w./#-]+$/, "a URL or a path such as docs/runbooks.md#orderslow"),
    ])
    .optional(),
  /** Routing labels (team, environment, …) Alertmanager's routes and inhibitions read. */
  labels: z
    .record(labelName, z.string().max(200))
    .default({})
    .refine((l) => Object.keys(l).every((k) => !RESERVED_LABELS.has(k) && !k.startsWith("__")), {
      message: "alertname, severity and __ labels are set by the rule itself",
    })
    .refine((l) => Object.keys(l).length <= 20, { message: "at most 20 labels" }),
  /**
   * The shipped rule this one replaces (an override): Prometheus evaluates this rule in its
   * place, or neither while it is disabled; removing the override restores the shipped one.
   */
  overrides: shippedTargetSchema.optional(),
  /** The recovery action its alert runs by itself (features/recovery/), a dry run until turned on. */
  recovery: ruleRecoverySchema.optional(),
});
export type RuleInput = z.infer<typeof ruleInputSchema>;
export type Threshold = z.infer<typeof thresholdSchema>;

export const ruleSchema = ruleInputSchema.extend({
  id: z.string().regex(/^[a-z0-9]{6,32}$/),
  updated_at: z.string(),
  updated_by: z.string(),
});
export type Rule = z.infer<typeof ruleSchema>;

/** A PromQL string literal (Go's escapes are JSON's). */
const quoted = (s: string) => JSON.stringify(s);

/** The series a threshold watches, before the comparison: what the chart draws. */
export function watchedExpr(t: Threshold): string {
  const selector = `${t.metric}${t.matchers.length ? `{${t.matchers.map((m) => `${m.label}${m.op}${quoted(m.value)}`).join(", ")}}` : ""}`;
  const series = t.function === "value" ? selector : `${t.function}(${selector}[${t.window}])`;
  if (t.aggregate === "none") return series;
  return `${t.aggregate}${t.by.length ? ` by (${t.by.join(", ")})` : ""} (${series})`;
}

/** The rule's condition as PromQL: the series for which the alert is pending or firing. */
export function conditionExpr(condition: RuleInput["condition"]): string {
  if (condition.kind === "promql") return condition.expr;
  return `${watchedExpr(condition)} ${condition.comparison} ${condition.threshold}`;
}

/** What a portal rule adds to every alert it fires, so the portal knows it again. */
export const RULE_ID_ANNOTATION = "opsdeck_rule_id";

export type PrometheusRule = {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
};

export function prometheusRule(rule: RuleInput & { id: string }): PrometheusRule {
  const annotations: Record<string, string> = {
    summary: rule.summary.en,
    summary_zh: rule.summary["zh-CN"],
    ...(rule.description.en && { description: rule.description.en }),
    ...(rule.description["zh-CN"] && { description_zh: rule.description["zh-CN"] }),
    ...(rule.runbook_url && { runbook_url: rule.runbook_url }),
    ...recoveryAnnotations(rule.recovery),
    [RULE_ID_ANNOTATION]: rule.id,
  };
  return {
    alert: rule.alert,
    expr: conditionExpr(rule.condition),
    ...(rule.for !== "0s" && { for: rule.for }),
    labels: { ...rule.labels, severity: rule.severity },
    annotations,
  };
}

/**
 * How often Prometheus evaluates the portal's groups: a saved rule is evaluated within this (and
 * the second Prometheus takes to notice the file) — the Rules page promises about 5 s.
 */
export const GROUP_INTERVAL = "5s";

/** A group's rule file, as Prometheus loads it and a team keeps it in git. Only enabled rules; overrides go into the shipped files. */
export function groupFile(group: string, rules: Rule[]): string {
  const enabled = rules.filter((r) => r.group === group && r.enabled && !r.overrides);
  return (
    `# Alert rules of group "${group}", written by the OpsDeck portal (Rules page). Changes made\n` +
    "# here by hand are overwritten at the next save: import the file on the Rules page instead.\n" +
    stringify({ groups: [{ name: group, interval: GROUP_INTERVAL, rules: enabled.map(prometheusRule) }] })
  );
}

const importedFileSchema = z.object({
  groups: z.array(
    z.object({
      name: z.string().regex(GROUP_NAME, "group names: lower-case letters, digits, - and _"),
      rules: z.array(z.record(z.string(), z.unknown())),
    }),
  ),
});

/**
 * Rules from a Prometheus rule file (an export, or a team's own): alerting rules become raw
 * PromQL rules; recording rules are not the Rules page's and are left out (counted).
 */
export function importedRules(yamlDoc: unknown): { rules: RuleInput[]; skipped: number } {
  const file = importedFileSchema.parse(yamlDoc);
  const rules: RuleInput[] = [];
  let skipped = 0;
  for (const group of file.groups)
    for (const entry of group.rules) {
      if (!("alert" in entry)) {
        skipped++;
        continue;
      }
      const r = alertingRuleSchema.parse(entry);
      const { severity, ...labels } = r.labels;
      const a = r.annotations;
      rules.push(
        ruleInputSchema.parse({
          group: group.name,
          alert: r.alert,
          condition: { kind: "promql", expr: r.expr },
          for: r.for ?? "0s",
          severity: SEVERITIES.includes(severity as never) ? severity : "warning",
          summary: { "zh-CN": a.summary_zh ?? a.summary ?? r.alert, en: a.summary ?? a.summary_zh ?? r.alert },
          description: { "zh-CN": a.description_zh ?? "", en: a.description ?? "" },
          ...(a.runbook_url && { runbook_url: a.runbook_url }),
          ...(ruleRecovery(a) && { recovery: ruleRecovery(a) }),
          labels,
        }),
      );
    }
  return { rules, skipped };
}
