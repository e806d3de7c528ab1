// The test-fire's routing agrees with Alertmanager's own: amtool config routes test on OpsDeck's
// alertmanager.yml, for label sets that take each branch (continue, a child, the root).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { AMTOOL_BIN, REPO } from "@opsdeck/stack";
import { previewText } from "./annotation-preview.ts";
import { inhibitionsOf, parseAlertmanagerConfig, parseMatcher, routesFor, silencesOf } from "./routing.ts";

const FILE = join(REPO, "alertmanager/alertmanager.yml");
const config = parseAlertmanagerConfig(readFileSync(FILE, "utf8"));

const amtool = async (labels: Record<string, string>) => {
  const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  const { stdout } = await promisify(execFile)(AMTOOL_BIN, [
    "config",
    "routes",
    "test",
    `--config.file=${FILE}`,
    ...args,
  ]);
  return stdout.trim();
};

describe("a test-fire's routing", () => {
  it("reaches the receivers amtool names, in its order", async () => {
    const cases: Record<string, string>[] = [
      { alertname: "OrdersLow", team: "business", severity: "critical" },
      { alertname: "OrdersLow", team: "business", severity: "warning" },
      { alertname: "DiskFull", severity: "critical", host: "web-1" },
      { alertname: "Something", severity: "info" },
      { alertname: "Watchdog", severity: "none" },
      { alertname: "Plain", severity: "warning" },
    ];
    for (const labels of cases) {
      const ours = routesFor(config, labels)
        .map((r) => r.receiver)
        .join(",");
      expect(ours, JSON.stringify(labels)).toBe(await amtool(labels));
    }
  });

  it("groups as the route says and names the matchers that chose it", () => {
    const [business, critical] = routesFor(config, {
      alertname: "A",
      team: "business",
      severity: "critical",
      host: "h",
    });
    expect(business.path).toEqual(['team="business"']);
    expect(critical.groupBy).toEqual(["alertname", "host", "project", "environment"]);
  });

  it("finds the firing alert that would inhibit it, and the silence that would mute it", () => {
    const labels = { alertname: "ProcessDown", severity: "warning", host: "web-1" };
    const inhibited = inhibitionsOf(config, labels, [{ alertname: "HostDown", severity: "critical", host: "web-1" }]);
    expect(inhibited.map((i) => i.by.alertname)).toEqual(["HostDown"]);
    expect(inhibitionsOf(config, labels, [{ alertname: "HostDown", severity: "critical", host: "web-2" }])).toEqual([]);
    const silence = (isRegex: boolean, value: string) => ({
      id: value,
      matchers: [{ name: "host", value, isRegex, isEqual: true }],
      createdBy: "ops",
      comment: "",
      endsAt: "",
      status: { state: "active" },
    });
    expect(
      silencesOf([silence(false, "web-1"), silence(true, "web-.*"), silence(true, "web")], labels).map((s) => s.id),
    ).toEqual(["web-1", "web-.*"]);
  });

  it("reads matchers in every form Alertmanager takes", () => {
    expect(parseMatcher('team="business"')).toEqual({ name: "team", op: "=", value: "business" });
    expect(parseMatcher("severity=~crit.*")).toEqual({ name: "severity", op: "=~", value: "crit.*" });
    expect(parseMatcher('a!="x\\"y"')).toEqual({ name: "a", op: "!=", value: 'x"y' });
  });
});

describe("a test-fire's annotations", () => {
  it("are filled as Prometheus fills the common forms", () => {
    const labels = { host: "web-1" };
    expect(previewText("{{ $value }} on {{ $labels.host }}", labels, 100)).toBe("100 on web-1");
    expect(previewText("{{ $value | humanizePercentage }}", labels, 0.4567)).toBe("45.67%");
    expect(previewText("{{$value|humanize}} {{ $labels.nope }}", labels, 1234.5678)).toBe("1235 ");
    expect(previewText('{{ printf "%.1f" $value }}', labels, 1)).toBe('{{ printf "%.1f" $value }}');
  });
});
