// The notifier against stand-ins that check DingTalk's and WeCom's real protocol, and a real
// SMTP server: what arrives, the rate budget under a flood, a robot answering 310000, bad input.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSse } from "@opsdeck/core/sse";
import { eventually, getJson, post, scrape, TOKEN } from "@opsdeck/stack/testkit";
import { amAlert, amPayload, notifierEnv, type NotifierEnv } from "./harness.ts";
import { dingtalkStandin, smtpStandin, wecomStandin } from "@opsdeck/stack/chat-standins";

let ding: Awaited<ReturnType<typeof dingtalkStandin>>;
let wecom: Awaited<ReturnType<typeof wecomStandin>>;
let smtp: Awaited<ReturnType<typeof smtpStandin>>;
let env: NotifierEnv;
let hook: Server;
const hooked: { auth?: string; body: any }[] = [];
/** While set, the webhook refuses messages naming this alert (400: a dead letter). */
let hookRefuses: string | undefined;
const SECRET = "SEC0123456789abcdef0123456789abcdef";

const config = () => ({
  language: "zh-CN",
  // A recovery result for an alert not sent yet waits for it this long at most.
  follow_up_hold_seconds: 5,
  links: { portal_url: "http://portal.test:8090", alertmanager_url: "http://am.test:9093" },
  channels: {
    ops: {
      type: "dingtalk",
      access_token: "ops-token",
      secret: SECRET,
      base_url: ding.url,
      at_mobiles: ["13800000000"],
      rate_per_minute: 20,
    },
    flood: { type: "dingtalk", access_token: "flood-token", secret: SECRET, base_url: ding.url },
    broken: { type: "dingtalk", access_token: "broken-token", base_url: ding.url },
    team: { type: "wecom", key: "team-key", base_url: wecom.url },
    oncall: { type: "wecom", key: "oncall-key", base_url: wecom.url, mentioned_mobiles: ["13900000000"] },
    hook: {
      type: "webhook",
      url: `http://127.0.0.1:${(hook.address() as { port: number }).port}/in`,
      headers: { authorization: "Bearer hook-secret" },
    },
    mail: {
      type: "email",
      smtp: { host: "127.0.0.1", port: smtp.port, user: "alerts", pass: "mail-pass", verify_certificate: false },
      from: "OpsDeck <alerts@example.com>",
      to: ["ops@example.com"],
    },
    // STARTTLS not insisted on: still used whenever the server offers it.
    laxmail: {
      type: "email",
      smtp: {
        host: "127.0.0.1",
        port: smtp.port,
        user: "alerts",
        pass: "mail-pass",
        require_tls: false,
        verify_certificate: false,
      },
      from: "OpsDeck <alerts@example.com>",
      to: ["lax@example.com"],
    },
  },
  receivers: {
    default: { channels: ["ops", "team", "mail"] },
    oncall: { channels: ["oncall"] },
    hook: { channels: ["hook"] },
    flood: { channels: ["flood"] },
    broken: { channels: ["broken", "team"] },
    lax: { channels: ["laxmail"] },
  },
});

beforeAll(async () => {
  ding = await dingtalkStandin({
    "ops-token": { secret: SECRET },
    "flood-token": { secret: SECRET },
    "broken-token": { failWith: { errcode: 310000, errmsg: "keywords not in content" } },
  });
  wecom = await wecomStandin(["team-key", "oncall-key"]);
  smtp = await smtpStandin({ alerts: "mail-pass" });
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (hookRefuses && body.includes(hookRefuses)) return void res.writeHead(400).end("no");
      hooked.push({ auth: req.headers.authorization, body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  env = await notifierEnv(config());
});

afterAll(async () => {
  await env?.proc.stop();
  await Promise.all([ding?.close(), wecom?.close(), smtp?.close()]);
  hook?.close();
});

const send = (receiver: string, alerts: ReturnType<typeof amAlert>[]) =>
  post(`${env.url}/api/v1/alerts`, amPayload(receiver, alerts));

describe("notifier delivers", () => {
  it("to a signed DingTalk robot, WeCom and e-mail, in Chinese", async () => {
    const res = await send("default", [amAlert("DiskFull", { mountpoint: "/data" })]);
    expect(res.status).toBe(200);
    expect(res.body.channels).toEqual(["ops", "team", "mail"]);

    const d = await eventually(
      async () => ding.received.find((m) => m.robot === "ops-token" && m.text.includes("DiskFull")),
      (m) => !!m,
    );
    expect(d!.msgtype).toBe("markdown");
    expect(d!.title).toBe("[告警] DiskFull");
    expect(d!.text).toContain("告警 · 严重 · DiskFull");
    expect(d!.text).toContain("DiskFull summary");
    expect(d!.text).toContain("mountpoint=/data");
    // DingTalk only notifies the @mobiles that also appear in the markdown text.
    expect(d!.body.at).toEqual({ atMobiles: ["13800000000"], atUserIds: [], isAtAll: false });
    expect(d!.text).toContain("@13800000000");

    const w = await eventually(
      async () => wecom.received.find((m) => m.robot === "team-key" && m.text.includes("DiskFull")),
      (m) => !!m,
    );
    expect(w!.msgtype).toBe("markdown");

    const mail = await eventually(
      async () => smtp.mails.find((m) => m.subject.includes("DiskFull")),
      (m) => !!m,
    );
    expect(mail!.subject).toBe("[OpsDeck] [告警] DiskFull");
    expect(mail!.secure).toBe(true); // STARTTLS
    expect(mail!.user).toBe("alerts");
    expect(mail!.html).toContain("DiskFull summary");
    expect(mail!.text).toContain("DiskFull description");
    expect(mail!.references).toMatch(/^<group-[0-9a-f]{32}@opsdeck>$/);
  });

  it("uses STARTTLS whenever the server offers it, even where it is not required: no password in clear", async () => {
    await send("lax", [amAlert("LaxMail")]);
    const mail = await eventually(
      async () => smtp.mails.find((m) => m.subject.includes("LaxMail")),
      (m) => !!m,
    );
    expect(mail!.to).toBe("lax@example.com");
    expect([mail!.secure, mail!.user]).toEqual([true, "alerts"]);
  });

  it("threads the mails of one alert group", async () => {
    await send("default", [amAlert("Threaded")]);
    await send("default", [amAlert("Threaded", {}, "resolved")]);
    const mails = await eventually(
      async () => smtp.mails.filter((m) => m.subject.includes("Threaded")),
      (m) => m.length === 2,
    );
    expect(mails[0].references).toBe(mails[1].references);
    expect(mails.map((m) => m.subject).sort()).toEqual(["[OpsDeck] [告警] Threaded", "[OpsDeck] [已恢复] Threaded"]);
  });

  it("follows a recovery action up in the alert's thread, on the channels that got the alert", async () => {
    const alert = { ...amAlert("Crashy", { app: "flaky", app_instance: "0" }), fingerprint: "00000000000000a1" };
    await send("default", [alert]);
    const alertMail = await eventually(
      async () => smtp.mails.find((m) => m.subject.includes("Crashy")),
      (m) => !!m,
    );
    const recovery = {
      trigger: "automatic",
      by: "Crashy",
      host: "web1",
      action: { kind: "restart", app: "flaky", instance: 0 },
      outcome: "succeeded",
    };
    const res = await post(`${env.url}/api/v1/follow-ups`, { alert, receiver: "somewhere-else", recovery });
    expect(res.status).toBe(202);
    // The thread's channels, not the receiver the request named (the alert went to default's).
    expect(res.body.channels).toEqual(["ops", "team", "mail"]);
    expect(res.body.thread).toMatch(/./);
    const d = await eventually(
      async () => ding.received.find((m) => m.robot === "ops-token" && m.title === "[恢复操作] Crashy"),
      (m) => !!m,
    );
    expect(d!.text).toContain("规则 Crashy 自动在主机 web1 上执行：重启 flaky#0。结果：已完成。");
    const mail = await eventually(
      async () => smtp.mails.find((m) => m.subject === "[OpsDeck] [恢复操作] Crashy"),
      (m) => !!m,
    );
    expect(mail!.references).toBe(alertMail!.references);
    // Another alert of that group, not announced yet (Alertmanager adds it at the group's next
    // interval): its result goes at once, into the group's thread.
    const sibling = { ...amAlert("Crashy", { app: "other", app_instance: "0" }), fingerprint: "00000000000000a9" };
    const joined = await post(`${env.url}/api/v1/follow-ups`, {
      alert: sibling,
      receiver: "default",
      recovery: { ...recovery, action: { kind: "restart", app: "other", instance: 0 } },
    });
    expect(joined.body.thread).toBe(res.body.thread);
    const siblingMail = await eventually(
      async () => smtp.mails.find((m) => m.text.includes("重启 other#0")),
      (m) => !!m,
    );
    expect(siblingMail!.references).toBe(alertMail!.references);

    // Acted on before Alertmanager let the alert out (its group_wait): the result waits for the
    // alert's own message on each channel, then goes in its thread.
    const early = { ...amAlert("Early", { app: "flaky", app_instance: "0" }), fingerprint: "00000000000000c3" };
    const ahead = await post(`${env.url}/api/v1/follow-ups`, {
      alert: early,
      receiver: "default",
      recovery: { ...recovery, by: "Early" },
    });
    expect(ahead.status).toBe(202);
    expect(ahead.body.thread).toBeUndefined();
    await send("default", [early]);
    const earlyMails = await eventually(
      async () => smtp.mails.filter((m) => m.subject.includes("Early")),
      (m) => m.length === 2,
    );
    expect(earlyMails.map((m) => m.subject)).toEqual(["[OpsDeck] [告警] Early", "[OpsDeck] [恢复操作] Early"]);
    expect(earlyMails[1].references).toBe(earlyMails[0].references);
    const earlyDings = await eventually(
      async () => ding.received.filter((m) => m.robot === "ops-token" && m.title?.includes("Early")),
      (m) => m.length === 2,
    );
    expect(earlyDings.map((m) => m.title)).toEqual(["[告警] Early", "[恢复操作] Early"]);

    // Held back by a guardrail, for an alert the notifier never sent: the receiver's channels,
    // once the hold is over.
    const unseen = { ...amAlert("Unseen"), fingerprint: "00000000000000b2" };
    const skipped = await post(`${env.url}/api/v1/follow-ups`, {
      alert: unseen,
      receiver: "lax",
      recovery: { ...recovery, by: "Unseen", outcome: "skipped", reason: "rate-limit" },
    });
    expect(skipped.status).toBe(202);
    expect(skipped.body.thread).toBeUndefined();
    const laxMail = await eventually(
      async () => smtp.mails.find((m) => m.subject.includes("Unseen")),
      (m) => !!m,
    );
    expect(laxMail!.text).toContain("未执行：该应用一小时内的自动操作次数已达上限。");

    // Nothing but the catalogue, and only with the token.
    const hostile = await post(`${env.url}/api/v1/follow-ups`, {
      alert,
      receiver: "default",
      recovery: { ...recovery, action: { kind: "exec", command: "rm -rf /" } },
    });
    expect(hostile.status).toBe(400);
    const anonymous = await fetch(`${env.url}/api/v1/follow-ups`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ alert, receiver: "default", recovery }),
    });
    expect(anonymous.status).toBe(401);
  });

  it("as WeCom text when mentioning by mobile", async () => {
    await send("oncall", [amAlert("Mention")]);
    const w = await eventually(
      async () => wecom.received.find((m) => m.robot === "oncall-key"),
      (m) => !!m,
    );
    expect(w!.msgtype).toBe("text");
    expect(w!.body.text).toMatchObject({ mentioned_mobile_list: ["13900000000"] });
    expect(Buffer.byteLength(w!.text)).toBeLessThanOrEqual(2048);
  });

  it("to a JSON webhook, with its headers", async () => {
    await send("hook", [amAlert("Hooked")]);
    const h = await eventually(
      async () => hooked.find((x) => x.body.notifications?.[0]?.payload.alerts[0].labels.alertname === "Hooked"),
      (x) => !!x,
    );
    expect(h!.auth).toBe("Bearer hook-secret");
    expect(h!.body).toMatchObject({ version: "opsdeck.notifier/v1", digest: false, title: "[告警] Hooked" });
    expect(h!.body.text).toContain("Hooked summary");
  });

  it("a flood of 500 alerts to one robot: never over 20 a minute, every alert named", async () => {
    const names = Array.from({ length: 500 }, (_, i) => `Flood${String(i).padStart(3, "0")}`);
    for (let i = 0; i < names.length; i += 25)
      await Promise.all(names.slice(i, i + 25).map((n) => send("flood", [amAlert(n)])));
    await eventually(
      async () => {
        const text = ding.received
          .filter((m) => m.robot === "flood-token")
          .map((m) => m.text)
          .join("\n");
        return names.filter((n) => !text.includes(`**${n}**`) && !text.includes(`· ${n}**`));
      },
      (missing) => missing.length === 0,
      90_000,
    );
    const times = ding.received.filter((m) => m.robot === "flood-token").map((m) => m.at);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 60_000).length).toBeLessThanOrEqual(20);
    expect(ding.rejected.filter((r) => r.robot === "flood-token")).toEqual([]);
    expect(times.length).toBeLessThanOrEqual(20);
    // The stand-in has the last message a moment before the notifier has recorded it as sent.
    const m = await eventually(
      () => scrape(env.url),
      (x) => x.get('opsdeck_notifier_queue_depth{channel="flood"}') === 0,
    );
    expect(m.get('opsdeck_notifier_messages_sent_total{channel="flood",type="digest"}')).toBeGreaterThan(0);
  });

  it("a robot answering 310000: the channel is failing, the others still deliver and say so", async () => {
    await send("broken", [amAlert("BrokenRobot")]);
    const ch = await eventually(
      async () =>
        (await getJson(`${env.url}/api/v1/channels`)).channels.find((c: { name: string }) => c.name === "broken"),
      (c) => c?.up === false,
    );
    expect(ch.failing).toMatchObject({ code: "310000", message: "keywords not in content" });
    expect(ch.queue).toBe(1); // kept, not dropped
    await eventually(
      async () => wecom.received.find((m) => m.robot === "team-key" && m.text.includes("BrokenRobot")),
      (m) => !!m,
    );
    const notice = await eventually(
      async () => ding.received.find((m) => m.robot === "ops-token" && m.text.includes("通知渠道故障: broken")),
      (m) => !!m,
    );
    expect(notice!.text).toContain("310000");
    const m = await scrape(env.url);
    expect(m.get('opsdeck_notifier_channel_up{channel="broken"}')).toBe(0);
    expect(
      m.get('opsdeck_notifier_delivery_failures_total{channel="broken",kind="config",code="310000"}'),
    ).toBeGreaterThanOrEqual(1);
    const hist = await getJson(`${env.url}/api/v1/notifications?channel=broken&state=pending`);
    expect(hist.notifications[0].deliveries.broken).toMatchObject({ state: "pending", last_error: { code: "310000" } });
  });

  it("a test message on request, and a manual retry", async () => {
    const res = await post(`${env.url}/api/v1/channels/team/test`, {});
    expect(res.status).toBe(202);
    await eventually(
      async () => wecom.received.find((m) => m.robot === "team-key" && m.text.includes("OpsDeck 通知测试")),
      (m) => !!m,
    );
    expect((await post(`${env.url}/api/v1/channels/nope/test`, {})).status).toBe(404);
  });

  it("a manual retry delivers a dead letter once the receiver takes it again", async () => {
    hookRefuses = "RetryMe";
    const { id } = (await send("hook", [amAlert("RetryMe")])).body;
    const dead = await eventually(
      () => getJson(`${env.url}/api/v1/notifications/${id}`),
      (n) => n.deliveries.hook.state === "dead",
    );
    expect(dead.deliveries.hook.last_error.message).toMatch(/http-400/);
    hookRefuses = undefined;
    expect((await post(`${env.url}/api/v1/notifications/${id}/retry`, {})).status).toBe(202);
    const delivered = await eventually(
      () => getJson(`${env.url}/api/v1/notifications/${id}`),
      (n) => n.deliveries.hook.state === "delivered",
    );
    expect(delivered.deliveries.hook.delivered_at).toBeDefined();
    expect(hooked.some((h) => JSON.stringify(h.body).includes("RetryMe"))).toBe(true);
    expect((await post(`${env.url}/api/v1/notifications/nope/retry`, {})).status).toBe(404);
  });
});

describe("history", () => {
  it("streams each notification and its delivery over SSE", async () => {
    const res = await fetch(`${env.url}/api/v1/stream`);
    const events = readSse(res.body!);
    await new Promise((r) => setTimeout(r, 100));
    await send("default", [amAlert("Streamed")]);
    const states = new Set<string>();
    for await (const e of events) {
      if (e.event !== "notification") continue;
      const n = JSON.parse(e.data);
      if (n.alertname === "Streamed")
        for (const d of Object.values(n.deliveries) as { state: string }[]) states.add(d.state);
      if (states.has("delivered")) break;
    }
    expect([...states]).toEqual(expect.arrayContaining(["pending", "delivered"]));
  });

  it("lists notifications newest first with each channel's state, and pages", async () => {
    const page = await getJson(`${env.url}/api/v1/notifications?limit=2`);
    expect(page.notifications).toHaveLength(2);
    expect(page.notifications[0].id > page.notifications[1].id).toBe(true);
    const next = await getJson(`${env.url}/api/v1/notifications?limit=2&before=${page.next_before}`);
    expect(next.notifications[0].id < page.notifications[1].id).toBe(true);
    const one = await getJson(`${env.url}/api/v1/notifications/${page.notifications[0].id}`);
    expect(one.payload.version).toBe("4");
    expect((await fetch(`${env.url}/api/v1/notifications?state=weird`)).status).toBe(400);
  });
});

describe("bad input gets a 4xx with a JSON error, and the notifier keeps serving", () => {
  it.each([
    ["invalid JSON", "{not json", {}, 400, /invalid JSON/],
    ["not Alertmanager's payload", { hello: "world" }, {}, 400, /Alertmanager payload: version/],
    ["no alerts", { ...amPayload("default", [amAlert("X")]), alerts: [] }, {}, 400, /alerts/],
    [
      "an alert without alertname",
      { ...amPayload("default", [amAlert("X")]), alerts: [{ ...amAlert("X"), labels: { severity: "x" } }] },
      {},
      400,
      /alertname/,
    ],
    ["missing token", amPayload("default", [amAlert("X")]), { token: null }, 401, /missing token/],
    ["wrong token", amPayload("default", [amAlert("X")]), { token: "nope" }, 401, /invalid token/],
    ["oversized body", JSON.stringify({ pad: "x".repeat(2_000_000) }), {}, 413, /too large/],
  ] as const)("%s", async (_n, body, opts, status, error) => {
    const res = await post(`${env.url}/api/v1/alerts`, body, opts as { token?: string | null });
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(error);
  });

  it("still serves", async () => {
    expect(await getJson(`${env.url}/healthz`)).toEqual({ status: "ok", queue: "local" });
  });
});

describe("configuration", () => {
  it("reloads on SIGHUP, keeping the queue", async () => {
    const next = config();
    (next.channels.broken as Record<string, unknown>).access_token = "ops-token";
    (next.channels.broken as Record<string, unknown>).secret = SECRET;
    env.reload({ ...next, retry: { initial_seconds: 0.2, max_seconds: 2, probe_failing_minutes: 0.01 } });
    // The kept BrokenRobot notification is delivered once the fixed channel is probed again.
    await eventually(
      async () => ding.received.find((m) => m.robot === "ops-token" && m.text.includes("BrokenRobot")),
      (m) => !!m,
      20_000,
    );
    const ch = (await getJson(`${env.url}/api/v1/channels`)).channels.find(
      (c: { name: string }) => c.name === "broken",
    );
    expect(ch).toMatchObject({ up: true, queue: 0 });
  });
});

export { TOKEN };
