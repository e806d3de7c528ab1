// promtool on the committed Prometheus files: config and rules are valid, rule unit tests pass.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { promtool } from "@opsdeck/stack/testkit";

const here = import.meta.dirname;
const ruleFiles = readdirSync(join(here, "rules"))
  .filter((f) => f.endsWith(".yml"))
  .map((f) => join(here, "rules", f));
const testFiles = readdirSync(join(here, "tests")).filter((f) => f.endsWith(".test.yml"));

describe("provisioning/prometheus", () => {
  it("prometheus.yml passes promtool check config (with its rules)", async () => {
    expect(await promtool(["check", "config", join(here, "prometheus.yml")])).toMatch(/SUCCESS/);
  });

  it.each(ruleFiles)("%s passes promtool check rules", async (file) => {
    expect(await promtool(["check", "rules", file])).toMatch(/SUCCESS/);
  });

  it.each(testFiles)("promtool test rules %s", async (file) => {
    expect(await promtool(["test", "rules", file], join(here, "tests"))).toMatch(/SUCCESS/);
  });
});

interface Rule {
  alert?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alerts = ruleFiles.flatMap((f) =>
  (parse(readFileSync(f, "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) =>
    g.rules.filter((r) => r.alert),
  ),
);
const cases = testFiles.flatMap((f) =>
  (
    parse(readFileSync(join(here, "tests", f), "utf8")) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    }
  ).tests.flatMap((t) => t.alert_rule_test ?? []),
);
const runbooks = readFileSync(join(here, "../../docs/runbooks.md"), "utf8");

describe("alert rules", () => {
  it.each(alerts.map((a) => [a.alert!, a] as const))(
    "%s has a severity, a summary and a description in English and Chinese, and a runbook",
    (name, a) => {
      expect(["critical", "warning", "info"]).toContain(a.labels?.severity);
      expect(a.annotations?.summary).toBeTruthy();
      expect(a.annotations?.description).toBeTruthy();
      // The Chinese says something in Chinese, with the same values as the English.
      for (const key of ["summary", "description"] as const) {
        const zh = a.annotations?.[`${key}_zh`];
        expect(zh, `${key}_zh`).toMatch(/[\u4e00-\u9fff]/);
        const values = (text?: string) => (text?.match(/\{\{.*?\}\}/g) ?? []).sort();
        expect(values(zh), `${key}_zh uses what ${key} uses`).toEqual(values(a.annotations?.[key]));
      }
      const anchor = a.annotations?.runbook_url?.match(/^docs\/runbooks\.md#([a-z0-9]+)$/)?.[1];
      expect(anchor, "runbook_url: docs/runbooks.md#<anchor>").toBe(name.toLowerCase());
      expect(runbooks).toMatch(new RegExp(`^## ${name}$`, "m"));
    },
  );

  it.each([...new Set(alerts.map((a) => a.alert!))])(
    "%s has promtool tests that see it fire and stay quiet",
    (name) => {
      const mine = cases.filter((c) => c.alertname === name);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        "a case where it fires",
      ).toBe(true);
      if (name !== "Watchdog")
        expect(
          mine.some((c) => c.exp_alerts.length === 0),
          "a case where it stays quiet",
        ).toBe(true);
    },
  );
});
