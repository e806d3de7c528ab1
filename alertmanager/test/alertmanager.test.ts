// alertmanager.yml: amtool accepts it (as committed and as the stack renders it), and the route
// tree sends each kind of alert where it should.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { AMTOOL_BIN, freePort, REPO, renderAlertmanagerConfig, startAlertmanager } from "@opsdeck/stack";
import { eventually, tempDir } from "@opsdeck/stack/testkit";
import { probeListSchema } from "@opsdeck/core";

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

/** A real Alertmanager with OpsDeck's rendered config (and the probes' inhibit rules, if given). */
async function alertmanagerWith(name: string, probes?: Parameters<typeof renderAlertmanagerConfig>[0]["probes"]) {
  const dir = tempDir(name);
  const config = await renderAlertmanagerConfig({
    source: file,
    notifierUrl: "http://127.0.0.1:9",
    tokenFile: join(dir, "token"),
    probes,
  });
  expect(await amtoolCheck(config, dir)).toMatch(/SUCCESS/);
  const am = await startAlertmanager({ dir, port: await freePort(), config });
  return {
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
    const probes = probeListSchema.parse([
      {
        name: "shop-home",
        type: "http",
        target: "https://shop.example.com/",
        depends_on: { host: "web1", app: "shop" },
      },
      { name: "blog", type: "http", target: "https://blog.example.com/", depends_on: { host: "web2" } },
      { name: "api", type: "tcp", target: "api.example.com:443" },
    ]);
    const am = await alertmanagerWith("am-inhibit-probes", probes);
    const key = (a: Held) => `${a.labels.alertname}/${a.labels.probe ?? ""}`;
    try {
      // shop's app errored on web1: shop-home's probe is inhibited; blog (on web2) and api are not.
      await am.send([
        alert({ alertname: "PM2ProcessErrored", severity: "critical", host: "web1", app: "shop" }),
        alert({ alertname: "ProbeDown", severity: "critical", probe: "shop-home", host: "central", app: "shop" }),
        alert({ alertname: "ProbeSlow", severity: "warning", probe: "blog", host: "central" }),
        alert({ alertname: "ProbeDown", severity: "critical", probe: "api", host: "central" }),
      ]);
      expect(await am.inhibited(key, 1)).toEqual(["ProbeDown/shop-home"]);
      // web2 goes down: blog's slow probe is its doing.
      await am.send([alert({ alertname: "HostDown", severity: "critical", host: "web2" })]);
      expect(await am.inhibited(key, 2)).toEqual(["ProbeDown/shop-home", "ProbeSlow/blog"]);
      // api's app listens, the probe fails: PortNotReachable stands for api's ProbeDown.
      await am.send([
        alert({ alertname: "PortNotReachable", severity: "critical", probe: "api", host: "central", app: "api" }),
      ]);
      expect(await am.inhibited(key, 3)).toEqual(["ProbeDown/api", "ProbeDown/shop-home", "ProbeSlow/blog"]);
    } finally {
      await am.stop();
    }
  });
});
