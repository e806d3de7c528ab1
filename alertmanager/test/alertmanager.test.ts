// alertmanager.yml: amtool accepts it (as committed and as the stack renders it), and the route
// tree sends each kind of alert where it should.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { AMTOOL_BIN, freePort, REPO, renderAlertmanagerConfig, startAlertmanager } from "@opsdeck/stack";
import { eventually, tempDir } from "@opsdeck/stack/testkit";

const exec = promisify(execFile);
const file = join(REPO, "alertmanager/alertmanager.yml");
const amtool = async (...args: string[]) => (await exec(AMTOOL_BIN, args)).stdout.trim();

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

describe("inhibition, in a real Alertmanager", () => {
  it("a critical alert silences its warning twin; a host down silences what runs on it", async () => {
    const dir = tempDir("am-inhibit");
    const config = await renderAlertmanagerConfig({
      source: file,
      notifierUrl: "http://127.0.0.1:9",
      tokenFile: join(dir, "token"),
    });
    const am = await startAlertmanager({ dir, port: await freePort(), config });
    try {
      const alert = (labels: Record<string, string>) => ({
        labels,
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 600_000).toISOString(),
      });
      const res = await fetch(`${am.url}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([
          alert({ alertname: "HostDown", severity: "critical", host: "web1" }),
          alert({ alertname: "PM2ProcessErrored", severity: "critical", host: "web1", app: "api" }),
          alert({ alertname: "PM2ProcessErrored", severity: "critical", host: "web2", app: "api" }),
          alert({ alertname: "HostDiskSpaceLow", severity: "critical", host: "web2", mountpoint: "/data" }),
          alert({ alertname: "HostDiskSpaceLow", severity: "warning", host: "web2", mountpoint: "/data" }),
          alert({ alertname: "HostDiskSpaceLow", severity: "warning", host: "web2", mountpoint: "/var" }),
        ]),
      });
      expect(res.status).toBe(200);
      type A = { labels: Record<string, string>; status: { inhibitedBy: string[] } };
      const key = (a: A) => `${a.labels.alertname}/${a.labels.severity}/${a.labels.host}/${a.labels.mountpoint ?? ""}`;
      const inhibited = await eventually(
        async () =>
          ((await (await fetch(`${am.url}/api/v2/alerts`)).json()) as A[])
            .filter((a) => a.status.inhibitedBy.length)
            .map(key)
            .sort(),
        (list) => list.length >= 2,
      );
      expect(inhibited).toEqual(["HostDiskSpaceLow/warning/web2//data", "PM2ProcessErrored/critical/web1/"]);
    } finally {
      await am.proc.stop();
    }
  });
});
