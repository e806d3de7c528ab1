// Overrides of the shipped rules, as the stack and the portal render them: the team's version in
// the shipped rule's place (keeping annotations it does not set), none while it is off, the
// original text where nothing is overridden, and promtool accepting what is written.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { BIN, REPO } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";
import { OVERRIDES_FILE, renderShippedFile, renderShippedRules, shippedRules, type Override } from "./shipped-rules.ts";

const SOURCE = join(REPO, "provisioning/prometheus/rules");
const target = { file: "pm2.yml", alert: "PM2DaemonDown", labels: { severity: "critical" } };
const team: Override = {
  target,
  rule: {
    alert: "PM2DaemonDown",
    expr: "pm2_daemon_up < 1",
    for: "3m",
    labels: { severity: "warning", team: "ops" },
    annotations: { summary: "PM2 down on {{ $labels.host }}", summary_zh: "{{ $labels.host }} 的 PM2 停了" },
  },
};

const rulesOf = (text: string) =>
  (
    parse(text) as { groups: { rules: { alert?: string; expr: string; annotations?: Record<string, string> }[] }[] }
  ).groups.flatMap((g) => g.rules);

describe("shipped rules with overrides", () => {
  it("lists every shipped alerting rule, each told apart by file, name and labels", () => {
    const rules = shippedRules(SOURCE);
    expect(rules.length).toBeGreaterThan(40);
    const keys = rules.map((r) => JSON.stringify([r.file, r.alert, r.labels]));
    expect(new Set(keys).size).toBe(keys.length);
    expect(rules.find((r) => r.alert === "PM2DaemonDown")).toMatchObject({ file: "pm2.yml", group: "pm2.alerts" });
  });

  it("puts the team's version in the shipped rule's place and leaves the rest as shipped", () => {
    const original = readFileSync(join(SOURCE, "pm2.yml"), "utf8");
    const rendered = renderShippedFile("pm2.yml", original, [team]);
    const before = rulesOf(original);
    const after = rulesOf(rendered);
    expect(after.map((r) => r.alert)).toEqual(before.map((r) => r.alert));
    const mine = after.find((r) => r.alert === "PM2DaemonDown")!;
    expect(mine.expr).toBe("pm2_daemon_up < 1");
    // What the override does not set is the shipped rule's.
    expect(mine.annotations?.runbook_url).toBe("docs/runbooks.md#pm2daemondown");
    expect(mine.annotations?.summary).toBe("PM2 down on {{ $labels.host }}");
    expect(after.filter((r) => r.alert !== "PM2DaemonDown")).toEqual(before.filter((r) => r.alert !== "PM2DaemonDown"));
    // Off: the shipped rule is not evaluated at all.
    const off = rulesOf(renderShippedFile("pm2.yml", original, [{ target, rule: null }]));
    expect(off.map((r) => r.alert)).toEqual(before.map((r) => r.alert).filter((a) => a !== "PM2DaemonDown"));
    // Another file's override leaves this one's text as it is.
    expect(renderShippedFile("host.yml", readFileSync(join(SOURCE, "host.yml"), "utf8"), [team])).toBe(
      readFileSync(join(SOURCE, "host.yml"), "utf8"),
    );
  });

  it("writes the copies promtool accepts, drops copies no longer shipped and names overrides of nothing", () => {
    const dir = tempDir("shipped-rules");
    mkdirSync(join(dir, "shipped"), { recursive: true });
    writeFileSync(join(dir, "shipped", "retired.yml"), "groups: []\n");
    const orphan: Override = { target: { ...target, alert: "RetiredAlert" }, rule: null };
    writeFileSync(join(dir, OVERRIDES_FILE), JSON.stringify([team, orphan]));
    const { files, orphaned } = renderShippedRules(SOURCE, dir);
    expect(files).toContain("pm2.yml");
    expect(orphaned).toEqual([orphan]);
    expect(() => readFileSync(join(dir, "shipped", "retired.yml"))).toThrow();
    const copies = files.map((f) => join(dir, "shipped", f));
    // promtool exits non-zero on any problem: this throws then.
    execFileSync(BIN.promtool, ["check", "rules", ...copies], { stdio: "pipe" });
    expect(readFileSync(join(dir, "shipped", "pm2.yml"), "utf8")).toContain("pm2_daemon_up < 1");
  });
});
