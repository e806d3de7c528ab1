// End to end with the real thing: Prometheus evaluates rules that fire → Alertmanager routes
// them → the notifier → DingTalk / WeCom stand-ins and a real SMTP server. Escalation asks the
// real Alertmanager for silences; the dead-man's switch trips when Alertmanager stops.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  freePort,
  renderAlertmanagerConfig,
  REPO,
  silenceAlert,
  startAlertmanager,
  startTestPrometheus,
  stopAll,
  type Proc,
} from "@opsdeck/stack";
import { eventually, getJson, scrape, tempDir, TOKEN } from "@opsdeck/stack/testkit";
import { notifierEnv, type NotifierEnv } from "./harness.ts";
import { dingtalkStandin, smtpStandin, wecomStandin } from "@opsdeck/stack/chat-standins";

const SECRET = "SECe2e0123456789abcdef0123456789";
const dir = tempDir("e2e");
const procs: Proc[] = [];
let ding: Awaited<ReturnType<typeof dingtalkStandin>>;
let wecom: Awaited<ReturnType<typeof wecomStandin>>;
let smtp: Awaited<ReturnType<typeof smtpStandin>>;
let notifier: NotifierEnv;
let am: { proc: Proc; url: string };
let amPort: number;
let amConfig: string;

const rules = {
  groups: [
    {
      name: "e2e",
      rules: [
        {
          alert: "Watchdog",
          expr: "vector(1)",
          labels: { severity: "info" },
          annotations: { summary: "Watchdog", description: "alive" },
        },
        {
          alert: "E2EDiskFull",
          expr: 'label_replace(vector(1), "host", "web1", "", "")',
          labels: { severity: "critical" },
          annotations: {
            summary: "磁盘将满 web1",
            description: "Disk almost full.",
            runbook_url: "docs/runbooks.md#hostdiskspacelow",
          },
        },
        {
          alert: "E2EAcked",
          expr: "vector(1)",
          labels: { severity: "critical" },
          annotations: { summary: "Acknowledged soon", description: "x" },
        },
        {
          alert: "E2ESlow",
          expr: "vector(1)",
          labels: { severity: "warning" },
          annotations: { summary: "Responses are slow", description: "p95 over 1 s" },
        },
      ],
    },
  ],
};

beforeAll(async () => {
  ding = await dingtalkStandin({ "ops-token": { secret: SECRET }, "boss-token": { secret: SECRET } });
  wecom = await wecomStandin(["team-key"]);
  smtp = await smtpStandin({ alerts: "mail-pass" });
  amPort = await freePort();
  notifier = await notifierEnv({
    alertmanager_url: `http://127.0.0.1:${amPort}`,
    links: { alertmanager_url: `http://127.0.0.1:${amPort}`, portal_url: "http://portal.test" },
    channels: {
      ops: { type: "dingtalk", access_token: "ops-token", secret: SECRET, base_url: ding.url },
      boss: { type: "dingtalk", access_token: "boss-token", secret: SECRET, base_url: ding.url, at_all: true },
      team: { type: "wecom", key: "team-key", base_url: wecom.url },
      mail: {
        type: "email",
        smtp: { host: "127.0.0.1", port: smtp.port, user: "alerts", pass: "mail-pass", verify_certificate: false },
        from: "alerts@example.com",
        to: ["ops@example.com"],
      },
    },
    receivers: {
      default: { channels: ["team", "mail"] },
      critical: { channels: ["ops", "mail"], escalation: { after_minutes: 0.1, channels: ["boss"] } },
    },
    heartbeat: { timeout_minutes: 0.1 },
  });
  procs.push(notifier.proc);

  const tokenFile = join(dir, "notifier.token");
  writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
  amConfig = await renderAlertmanagerConfig({
    source: join(REPO, "alertmanager/alertmanager.yml"),
    notifierUrl: notifier.url,
    tokenFile,
    timing: { group_wait: "1s", group_interval: "2s", repeat_interval: "3s" },
  });
  am = await startAlertmanager({ dir: join(dir, "am"), port: amPort, config: amConfig });
  procs.push(am.proc);

  const rulesFile = join(dir, "rules.yml");
  writeFileSync(rulesFile, stringify(rules));
  const prom = await startTestPrometheus({
    dir: join(dir, "prom"),
    alertmanagers: [`127.0.0.1:${amPort}`],
    scrapeInterval: "1s",
    ruleFiles: [rulesFile],
    resendDelay: "1s",
  });
  procs.push(prom.proc);
});

afterAll(async () => {
  await stopAll(procs);
  await Promise.all([ding?.close(), wecom?.close(), smtp?.close()]);
});

const dingFor = (robot: string, text: string) =>
  ding.received.filter((m) => m.robot === robot && m.text.includes(text));

describe("Prometheus → Alertmanager → notifier → channels", () => {
  it("routes a critical alert to DingTalk and e-mail, a warning to WeCom and e-mail", async () => {
    const d = await eventually(
      async () => dingFor("ops-token", "E2EDiskFull")[0],
      (m) => !!m,
      30_000,
    );
    expect(d!.text).toContain("磁盘将满 web1");
    expect(d!.text).toContain("host=web1");
    // One tap to acknowledge the group in the portal (the portal is linked, so not Alertmanager's UI).
    expect(d!.text).toMatch(
      /\[一键确认\]\(http:\/\/portal\.test\/alerts\?matchers=alertname%3D%22E2EDiskFull%22[^)]*&ack=1\)/,
    );
    expect(d!.text).not.toContain("silences/new");
    await eventually(
      async () => wecom.received.find((m) => m.text.includes("E2ESlow")),
      (m) => !!m,
      30_000,
    );
    expect(wecom.received.some((m) => m.text.includes("E2EDiskFull"))).toBe(false);
    expect(dingFor("ops-token", "E2ESlow")).toHaveLength(0);
    await eventually(
      async () => smtp.mails.filter((m) => /E2EDiskFull|E2ESlow/.test(m.subject)).length,
      (n) => n >= 2,
      30_000,
    );
  });

  it("takes the Watchdog as a heartbeat, never as a message", async () => {
    const m = await eventually(
      () => scrape(notifier.url),
      (x) => (x.get("opsdeck_notifier_heartbeats_total") ?? 0) >= 1,
    );
    expect(m.get("opsdeck_notifier_pipeline_up")).toBe(1);
    expect(ding.received.concat(wecom.received).some((x) => x.text.includes("Watchdog"))).toBe(false);
  });

  it("escalates an unacknowledged critical alert, and not one acknowledged with a silence", async () => {
    await eventually(
      async () => dingFor("ops-token", "E2EAcked")[0],
      (m) => !!m,
      30_000,
    );
    const silence = await silenceAlert(am.url, "E2EAcked", { createdBy: "e2e", comment: "ack: looking at it" });
    expect(silence.status).toBe(200);
    const esc = await eventually(
      async () => dingFor("boss-token", "E2EDiskFull")[0],
      (m) => !!m,
      40_000,
    );
    expect(esc!.title).toContain("[升级]");
    expect(esc!.body.at).toMatchObject({ isAtAll: true });
    // Give the acknowledged one every chance to be escalated wrongly.
    await new Promise((r) => setTimeout(r, 8000));
    expect(dingFor("boss-token", "E2EAcked")).toHaveLength(0);
    expect(dingFor("boss-token", "E2EDiskFull")).toHaveLength(1); // once per firing, not per repeat
  });

  it("says the pipeline is broken when the heartbeat stops, and that it is back", async () => {
    await am.proc.stop();
    const broken = await eventually(
      async () => wecom.received.find((m) => m.text.includes("监控链路中断")),
      (m) => !!m,
      30_000,
    );
    expect(broken!.text).toContain("Watchdog");
    expect((await scrape(notifier.url)).get("opsdeck_notifier_pipeline_up")).toBe(0);
    am = await startAlertmanager({ dir: join(dir, "am"), port: amPort, config: amConfig });
    procs.push(am.proc);
    await eventually(
      async () => wecom.received.find((m) => m.text.includes("监控链路已恢复")),
      (m) => !!m,
      30_000,
    );
    const hist = await getJson(`${notifier.url}/api/v1/notifications?kind=system`);
    expect(hist.notifications.map((n: { alertname: string }) => n.alertname)).toContain("OpsDeckPipelineBroken");
  });
});
