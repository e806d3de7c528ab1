// A rule from the builder becomes the rule file OpsDeck's shipped rules look like, which promtool
// (Prometheus' own parser) accepts; a broken expression is refused with its place; a rule file
// imported comes back as the same rules.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BIN } from "@opsdeck/stack";
import { checkRuleFile } from "./promtool.ts";
import { conditionExpr, groupFile, importedRules, ruleInputSchema, ruleSchema } from "./rule.ts";

process.env.OPSDECK_PROMTOOL_BIN = BIN.promtool;

const input = ruleInputSchema.parse({
  group: "business",
  alert: "PaymentsFailing",
  condition: {
    kind: "threshold",
    metric: "shop_payments_total",
    matchers: [{ label: "result", op: "=", value: 'fail"ed' }],
    function: "increase",
    window: "10m",
    aggregate: "sum",
    by: ["channel"],
    comparison: ">",
    threshold: 5,
  },
  for: "2m",
  severity: "critical",
  summary: { "zh-CN": "支付失败 {{ $value }} 次", en: "{{ $value }} failed payments" },
  labels: { team: "business" },
});
const rule = ruleSchema.parse({ ...input, id: "abc123", updated_at: "2026-12-06T00:00:00Z", updated_by: "ops" });

describe("a portal rule as a Prometheus rule file", () => {
  it("builds the expression and writes the shipped rules' annotations", async () => {
    expect(conditionExpr(input.condition)).toBe(
      'sum by (channel) (increase(shop_payments_total{result="fail\\"ed"}[10m])) > 5',
    );
    const text = groupFile("business", [rule, { ...rule, id: "off123", alert: "Off", enabled: false }]);
    const doc = parse(text);
    expect(doc.groups[0].rules).toHaveLength(1); // disabled rules stay out of the file
    expect(doc.groups[0].rules[0]).toMatchObject({
      alert: "PaymentsFailing",
      for: "2m",
      labels: { team: "business", severity: "critical" },
      annotations: {
        summary: "{{ $value }} failed payments",
        summary_zh: "支付失败 {{ $value }} 次",
        opsdeck_rule_id: "abc123",
      },
    });
    expect(await checkRuleFile(text)).toEqual([]);
  });

  it("is refused by promtool with the expression's line and column", async () => {
    const broken = { ...rule, condition: { kind: "promql" as const, expr: "sum(rate(x[5m]) > > 3" } };
    const [problem] = await checkRuleFile(groupFile("business", [broken]));
    expect(problem).toMatchObject({ ruleIndex: 0, field: "expr", line: 1, column: 19 });
    expect(problem.detail).toMatch(/parse error/);
    const badTemplate = { ...rule, summary: { "zh-CN": "{{ $value }", en: "x" } };
    expect((await checkRuleFile(groupFile("business", [badTemplate])))[0]).toMatchObject({ field: "annotations" });
  });

  it("imports an exported file back as the same rules", () => {
    const back = importedRules(parse(groupFile("business", [rule])));
    expect(back.skipped).toBe(0);
    expect(back.rules[0]).toMatchObject({
      group: "business",
      alert: "PaymentsFailing",
      for: "2m",
      severity: "critical",
      condition: { kind: "promql", expr: conditionExpr(input.condition) },
      summary: input.summary,
      labels: { team: "business" },
    });
  });
});
