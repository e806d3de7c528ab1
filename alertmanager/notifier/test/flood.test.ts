// A flood of 500 distinct alerts through the real Alertmanager into one DingTalk robot that
// allows 20 messages a minute and measures the whole request body, with the notifier killed
// (kill -9) and restarted mid-flood: every alert is named in a message the robot accepted, the
// robot is never over its budget, nothing is refused for size, and nothing is a dead letter.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, renderAlertmanagerConfig, REPO, startAlertmanager, type Proc } from "@opsdeck/stack";
import { eventually, getJson, scrape, tempDir, TOKEN } from "@opsdeck/stack/testkit";
import { notifierEnv, type NotifierEnv } from "./harness.ts";
import { dingtalkStandin } from "@opsdeck/stack/chat-standins";

const SECRET = "SECflood0123456789abcdef01234567";
let ding: Awaited<ReturnType<typeof dingtalkStandin>>;
let notifier: NotifierEnv | undefined;
let am: { proc: Proc; url: string } | undefined;
afterAll(async () => {
  await notifier?.proc.stop();
  await am?.proc.stop();
  await ding?.close();
});

const NAMES = Array.from({ length: 500 }, (_, i) => `Flood${String(i).padStart(3, "0")}`);

describe("a 500-alert flood through Alertmanager, with the notifier killed mid-flood", () => {
  it("ends with every alert in an accepted message, the robot within budget, and no dead letter", async () => {
    ding = await dingtalkStandin({ robot: { secret: SECRET } }, { ratePerMinute: 20 });
    const amPort = await freePort();
    notifier = await notifierEnv({
      alertmanager_url: `http://127.0.0.1:${amPort}`,
      links: { portal_url: "http://portal.test" },
      channels: {
        // The @mentions make the request body larger than the markdown alone.
        robot: {
          type: "dingtalk",
          access_token: "robot",
          secret: SECRET,
          base_url: ding.url,
          at_mobiles: ["13800000000", "13900000000"],
        },
      },
      receivers: { default: { channels: ["robot"] }, critical: { channels: ["robot"] } },
    });
    const dir = tempDir("flood");
    const tokenFile = join(dir, "notifier.token");
    writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
    am = await startAlertmanager({
      dir: join(dir, "am"),
      port: amPort,
      config: await renderAlertmanagerConfig({
        source: join(REPO, "alertmanager/alertmanager.yml"),
        notifierUrl: notifier.url,
        tokenFile,
        timing: { group_wait: "1s", group_interval: "3s", repeat_interval: "1h" },
      }),
    });

    // Alerts as Prometheus posts them, with long Chinese and English annotations (JSON escapes
    // their quotes and newlines, so the request body outgrows the markdown).
    const alert = (name: string) => ({
      labels: { alertname: name, severity: "warning", host: "web-1", app: "shop" },
      annotations: {
        summary: `${name}: 订单服务 "shop" 的响应时间超过 2 秒`,
        description: `p95 latency of "shop" on web-1 is above 2 s\nfor 10 minutes; 检查数据库连接池。`,
      },
      startsAt: new Date().toISOString(),
      generatorURL: "http://127.0.0.1:9090/graph",
    });
    const postAlerts = async (names: string[]) => {
      const res = await fetch(`${am!.url}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(names.map(alert)),
      });
      expect(res.status).toBe(200);
    };
    await postAlerts(NAMES.slice(0, 250));
    // Killed once the notifier has taken part of the flood.
    await eventually(
      async () =>
        (await scrape(notifier!.url)).get(
          'opsdeck_notifier_notifications_received_total{receiver="default",kind="alert"}',
        ) ?? 0,
      (received) => received >= 100,
      60_000,
    );
    process.kill(-notifier.proc.child.pid!, "SIGKILL");
    await notifier.proc.exited;
    await postAlerts(NAMES.slice(250));
    await new Promise((r) => setTimeout(r, 3000)); // Alertmanager's webhooks fail meanwhile
    await notifier.start();

    const named = () =>
      new Set(ding.received.filter((m) => m.robot === "robot").flatMap((m) => m.text.match(/Flood\d{3}/g) ?? []));
    const missing = await eventually(
      async () => NAMES.filter((n) => !named().has(n)),
      (left) => left.length === 0,
      300_000,
    );
    expect(missing).toEqual([]);
    expect(ding.rejected).toEqual([]); // neither over budget (130101) nor too long (460101)
    const times = ding.received.map((m) => m.at).sort((a, b) => a - b);
    for (let i = 20; i < times.length; i++) expect(times[i] - times[i - 20]).toBeGreaterThanOrEqual(60_000);
    const dead = await getJson(`${notifier.url}/api/v1/notifications?state=dead`);
    expect(dead.notifications).toEqual([]);
    expect((await scrape(notifier.url)).get('opsdeck_notifier_dead_letters{channel="robot"}')).toBe(0);
    // The largest message the robot took was close to its limit: the flood was carried in digests.
    expect(Math.max(...ding.received.map((m) => Buffer.byteLength(JSON.stringify(m.body))))).toBeGreaterThan(15_000);
  }, 420_000);
});
