// alertmanager.yml: amtool accepts it (as committed and as the stack renders it), and the route
// tree sends each kind of alert where it should.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  AMTOOL_BIN,
  freePort,
  REPO,
  renderAlertmanagerConfig,
  startAlertmanager,
  startTestPrometheus,
} from "@opsdeck/stack";
import { eventually, tempDir } from "@opsdeck/stack/testkit";

const exec = promisify(execFile);
const file = join(REPO, "alertmanager/alertmanager.yml");
const amtool = async (...args: string[]) => (await exec(AMTOOL_BIN, args)).stdout.trim();
/** amtool check-config on a rendered config. */
async function amtoolCheck(config: string, dir: string) {
  const rendered = join(dir, "checked.yml");
  writeFileSync(rendered, config);
  writeFileSync(join(dir, "token"), "t0ken");
  return amtool("check-config", rendered);
}

describe("alertmanager.yml", () => {
  it("passes amtool check-config", async () => {
    expect(await amtool("check-config", file)).toMatch(/SUCCESS/);
  });

  it("passes it as rendered for the native stack", async () => {
    const dir = tempDir("am-config");
    const rendered = join(dir, "alertmanager.yml");
    writeFileSync(
      rendered,
      await renderAlertmanagerConfig({
        source: file,
        notifierUrl: "http://127.0.0.1:18060",
        tokenFile: join(dir, "token"),
      }),
    );
    expect(await amtool("check-config", rendered)).toMatch(/SUCCESS/);
  });

  it.each([
    ["alertname=Watchdog severity=info", "heartbeat"],
    ["alertname=HostDown severity=critical host=web1", "critical"],
    ["alertname=HostDiskSpaceLow severity=warning host=web1", "default"],
    ["alertname=PM2ProcessRestarted severity=info", "info"],
    ["alertname=PaymentSuccessRatioLow severity=critical team=business", "business,critical"],
    ["alertname=OrdersDropping severity=warning team=business", "business"],
  ])("routes %s to %s", async (labels, receivers) => {
    expect(await amtool("config", "routes", "test", `--config.file=${file}`, ...labels.split(" "))).toBe(receivers);
  });
});

/** An alert as Prometheus sends it, active for ten minutes. */
const alert = (labels: Record<string, string>) => ({
  labels,
  startsAt: new Date().toISOString(),
  endsAt: new Date(Date.now() + 600_000).toISOString(),
});
type Held = { labels: Record<string, string>; status: { inhibitedBy: string[] } };

/** A real Alertmanager with OpsDeck's rendered config. */
async function alertmanagerWith(name: string) {
  const dir = tempDir(name);
  const config = await renderAlertmanagerConfig({
    source: file,
    notifierUrl: "http://127.0.0.1:9",
    tokenFile: join(dir, "token"),
  });
  expect(await amtoolCheck(config, dir)).toMatch(/SUCCESS/);
  const am = await startAlertmanager({ dir, port: await freePort(), config });
  return {
    url: am.url,
    stop: () => am.proc.stop(),
    async send(alerts: ReturnType<typeof alert>[]) {
      const res = await fetch(`${am.url}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(alerts),
      });
      expect(res.status).toBe(200);
    },
    /** The inhibited alerts, keyed as the test says, once at least `count` are. */
    inhibited: (key: (a: Held) => string, count: number) =>
      eventually(
        async () =>
          ((await (await fetch(`${am.url}/api/v2/alerts`)).json()) as Held[])
            .filter((a) => a.status.inhibitedBy.length)
            .map(key)
            .sort(),
        (list) => list.length >= count,
      ),
  };
}

describe("inhibition, in a real Alertmanager", () => {
  it("a critical alert silences its warning twin; a host down silences what runs on it", async () => {
    const am = await alertmanagerWith("am-inhibit");
    try {
      await am.send([
        alert({ alertname: "HostDown", severity: "critical", host: "web1" }),
        alert({ alertname: "PM2ProcessErrored", severity: "critical", host: "web1", app: "api" }),
        alert({ alertname: "PM2ProcessErrored", severity: "critical", host: "web2", app: "api" }),
        alert({ alertname: "HostDiskSpaceLow", severity: "critical", host: "web2", mountpoint: "/data" }),
        alert({ alertname: "HostDiskSpaceLow", severity: "warning", host: "web2", mountpoint: "/data" }),
        alert({ alertname: "HostDiskSpaceLow", severity: "warning", host: "web2", mountpoint: "/var" }),
      ]);
      const key = (a: Held) =>
        `${a.labels.alertname}/${a.labels.severity}/${a.labels.host}/${a.labels.mountpoint ?? ""}`;
      expect(await am.inhibited(key, 2)).toEqual([
        "HostDiskSpaceLow/warning/web2//data",
        "PM2ProcessErrored/critical/web1/",
      ]);
    } finally {
      await am.stop();
    }
  });

  it("a probe's host or PM2 app down silences the probe's own alerts, and nothing else's", async () => {
    // The alerts come from a real Prometheus of OpsDeck's config, whose alert relabelling gives a
    // parent's alert the parent_host / parent_app its probes' series carry (their depends_on).
    const am = await alertmanagerWith("am-inhibit-probes");
    const dir = tempDir("am-inhibit-probes-prometheus");
    const rule = (alert: string, labels: Record<string, string>) =>
      `      - alert: ${alert}\n        expr: vector(1)\n        labels: ${JSON.stringify(labels)}\n`;
    const probe = (labels: Record<string, string>) => ({ severity: "critical", host: "central", ...labels });
    writeFileSync(
      join(dir, "parents.yml"),
      "groups:\n  - name: parents\n    rules:\n" +
        [
          // shop's app errored on web1, and web2 is down.
          rule("PM2ProcessErrored", { severity: "critical", host: "web1", app: "shop" }),
          rule("HostDown", { severity: "critical", host: "web2" }),
          // Probes of services that depend on them, and of others.
          rule("ProbeDown", probe({ probe: "shop-home", app: "shop", parent_host: "web1", parent_app: "shop" })),
          rule("ProbeDown", probe({ probe: "shop-api", parent_app: "shop" })),
          rule("ProbeDown", probe({ probe: "cart", parent_host: "web1", parent_app: "cart" })),
          rule("ProbeSlow", probe({ probe: "blog", severity: "warning", parent_host: "web2" })),
          rule("ProbeDown", probe({ probe: "docs", parent_app: "docs" })),
          // api's app listens, the probe fails: PortNotReachable stands for api's ProbeDown.
          rule("ProbeDown", probe({ probe: "api", app: "api" })),
          rule("PortNotReachable", probe({ probe: "api", app: "api" })),
        ].join(""),
    );
    const prom = await startTestPrometheus({
      dir,
      scrapeInterval: "1s",
      ruleFiles: [join(dir, "parents.yml")],
      alertmanagers: [new URL(am.url).host],
    });
    const key = (a: Held) => `${a.labels.alertname}/${a.labels.probe ?? ""}`;
    try {
      // All nine in, then which are held back.
      await eventually(
        async () => ((await (await fetch(`${am.url}/api/v2/alerts`)).json()) as Held[]).length,
        (n) => n === 9,
      );
      expect(await am.inhibited(key, 4)).toEqual([
        "ProbeDown/api",
        "ProbeDown/shop-api",
        "ProbeDown/shop-home",
        "ProbeSlow/blog",
      ]);
    } finally {
      await prom.proc.stop();
      await am.stop();
    }
  });
});
