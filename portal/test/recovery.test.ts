// Recovery actions from an alert, against the native stack (`npm start`'s code): an app
// crash-loops under PM2, PM2ProcessCrashLooping fires, and an operator on a phone (zh-CN, 390 px)
// sees the actions that fit it, confirms one that says what runs where, and the host's PM2
// exporter carries it out on a request the portal signed with the key npm start generated; the
// result is on the alert and in the audit trail. A viewer sees no action and is refused one;
// an action that does not fit the alert is refused. A bad deploy is rolled back from its alert
// through the team's deploy command, recorded as a deploy. Then the rule runs it by itself: an
// operator overrides PM2ProcessCrashLooping with an automatic restart, a dry run first, turned
// on; each firing of a crash-looping app is met by the guardrails (two real restarts an hour
// here), and every result reaches the alert's thread (a DingTalk stand-in).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { basicAuthHeader, pm2, REPO, startAgentHost } from "@opsdeck/stack";
import { hostActionKey } from "@opsdeck/core/actions/signed-request";
import { newPushToken } from "@opsdeck/core/hosts/push-auth";
import { stringify } from "yaml";
import { eventually, getJson, post, scrape } from "@opsdeck/stack/testkit";
import { dingtalkStandin, opsRobotNotifier } from "@opsdeck/stack/chat-standins";
import { stackConfig, stackPorts, startStack, type RunningStack, type StackPorts } from "@opsdeck/stack/whole-stack";
import { launchChromium } from "./browser.ts";
import { pageApi, signInPage, withHashes } from "./signin.ts";
import { consoleErrors, overflow } from "./page-checks.ts";
import type {} from "@opsdeck/stack/test-elasticsearch";

const SHOTS = join(REPO, "portal/test/screenshots");
let port: StackPorts;
let stack: RunningStack;
let browser: Browser;
let ding: Awaited<ReturnType<typeof dingtalkStandin>>;
const front = () => `http://127.0.0.1:${port.front}`;

const users = [
  { name: "ops", password: "ops-password-1", role: "operator" },
  { name: "guest", password: "guest-password-1", role: "viewer" },
];

interface AmAlert {
  fingerprint: string;
  labels: Record<string, string>;
}

beforeAll(async () => {
  port = await stackPorts();
  ding = await dingtalkStandin({ "ops-robot": { secret: "SEC-ops-robot" } }, { ratePerMinute: 600 });
  const hashed = await withHashes(users);
  stack = await startStack("recovery", (dir) =>
    stackConfig(
      port,
      {
        session_secret: "recovery-session-secret-0123456789ab",
        users: hashed,
        trusted_proxies: ["127.0.0.1"],
        // Two real automatic restarts per app an hour, no cool-down: the fourth firing meets the limit.
        recovery: { check_seconds: 1, max_per_app_per_hour: 2, cooldown_minutes: 0 },
      },
      { url: inject("elasticsearchUrl"), index_prefix: "t-recovery" },
      opsRobotNotifier(ding.url),
      // The key npm start generates (secrets.env): the portal signs with it, the PM2 exporter checks.
      {
        pm2: { actions: { key: "${OPSDECK_PM2_ACTIONS_KEY:-}" } },
        // The team's own deploy command for shop2 (the rollback test writes it).
        deploy: {
          rollbacks: [
            {
              project: "shop2",
              environment: "production",
              command: ["node", join(dir, "deploy-shop2.cjs"), "{version}"],
            },
          ],
        },
      },
    ),
  );
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await ding?.close();
});

const signIn = (page: Page, name: string) =>
  signInPage(page, front(), "/alerts", name, users.find((u) => u.name === name)!.password);

const api = pageApi;

/** Alertmanager's active PM2ProcessCrashLooping alert of an app, if any. */
async function crashLoopOf(app: string): Promise<AmAlert | undefined> {
  const res = await fetch(`http://127.0.0.1:${port.am}/api/v2/alerts?active=true`);
  return ((await res.json()) as AmAlert[]).find(
    (a) => a.labels.alertname === "PM2ProcessCrashLooping" && a.labels.app === app,
  );
}

/** An app (a script in the stack's dir) that crashes within a second whenever its "bug" file is there; its script and bug. */
function buggyApp(name: string): { script: string; bug: string } {
  const bug = join(stack.dir, `${name}.bug`);
  const script = join(stack.dir, `${name}.cjs`);
  writeFileSync(
    script,
    `setInterval(() => { if (require("node:fs").existsSync(${JSON.stringify(bug)})) process.exit(1); }, 1000);\n`,
  );
  return { script, bug };
}

/** The operator signed in on a phone (zh-CN, 390 px), on the Alerts page; its console errors collected. */
async function operatorOnPhone() {
  const context = await browser.newContext({ locale: "zh-CN", viewport: { width: 390, height: 844 } });
  await context.addCookies([{ name: "lang", value: "zh-CN", url: front() }]);
  const page = await context.newPage();
  const errors = consoleErrors(page);
  await signIn(page, "ops");
  await page.goto(front() + "/alerts");
  return { context, page, errors };
}

/** Accepts the next confirmation the page asks; its question, once asked. */
function confirmNext(page: Page): () => string {
  let asked = "";
  page.once("dialog", (d) => {
    asked = d.message();
    void d.accept();
  });
  return () => asked;
}

/** The recovery mode Prometheus holds for the overridden rule (the portal wrote it). */
async function promAnnotation(): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${port.prom}/api/v1/rules?type=alert`);
  const body = (await res.json()) as {
    data: { groups: { rules: { name: string; annotations: Record<string, string> }[] }[] };
  };
  return body.data.groups
    .flatMap((g) => g.rules)
    .find((r) => r.name === "PM2ProcessCrashLooping" && r.annotations.opsdeck_rule_id)?.annotations
    .opsdeck_recovery_mode;
}

describe("recovery actions from an alert", () => {
  it("restarts a crash-looping app from its alert, on a request the portal signed, and keeps the result", async () => {
    const pm2Home = join(stack.dir, "state", "pm2");
    // An app that crashes a second and a half after it starts while its "bug" is there.
    const bug = join(stack.dir, "flaky.bug");
    writeFileSync(bug, "");
    const script = join(stack.dir, "flaky.cjs");
    writeFileSync(
      script,
      `if (require("node:fs").existsSync(${JSON.stringify(bug)})) setTimeout(() => process.exit(1), 1500);\n` +
        "setInterval(() => {}, 1000);\n",
    );
    await pm2(pm2Home, ["start", script, "--name", "flaky"]);
    const alert = await eventually(
      () => crashLoopOf("flaky"),
      (a) => a !== undefined,
      240_000,
    );
    const host = alert!.labels.host;

    const { context, page, errors } = await operatorOnPhone();
    const actions = page.locator(`[data-recovery="${alert!.fingerprint}"]`);
    await expect(actions.locator("button").allInnerTexts()).resolves.toEqual([
      `重启 flaky#${alert!.labels.app_instance}`,
      "清零 flaky 的重启计数",
    ]);
    // The bug fixed, then the restart: the confirmation names the host and the action.
    rmSync(bug);
    const before = JSON.parse(await pm2(pm2Home, ["jlist"])).find((p: { name: string }) => p.name === "flaky");
    const asked = confirmNext(page);
    await actions.locator('[data-recovery-action="restart"]').click();
    await actions.locator('[data-recovery-result="succeeded"]').waitFor({ timeout: 60_000 });
    expect(asked()).toBe(`将在主机 ${host} 上执行：重启 flaky#${alert!.labels.app_instance}。确定吗？`);
    await expect(actions.locator("[data-recovery-result]").innerText()).resolves.toContain("已完成");
    const after = JSON.parse(await pm2(pm2Home, ["jlist"])).find((p: { name: string }) => p.name === "flaky");
    expect(after.pm2_env.restart_time).toBeGreaterThan(before.pm2_env.restart_time);
    // Fixed and restarted: it stays online.
    await new Promise((r) => setTimeout(r, 3000));
    const settled = JSON.parse(await pm2(pm2Home, ["jlist"])).find((p: { name: string }) => p.name === "flaky");
    expect(settled.pm2_env.status).toBe("online");
    expect(settled.pm2_env.restart_time).toBe(after.pm2_env.restart_time);
    expect(await overflow(page)).toEqual({ pageScrolls: false, sticking: [] });
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "recovery-zh-390.png"), fullPage: true });

    // Kept under the alert, with who asked and what the host answered.
    const kept = await api(page, "GET", `/api/recovery/actions?fingerprint=${alert!.fingerprint}`);
    expect(kept.status).toBe(200);
    expect(kept.json).toHaveLength(1);
    expect(kept.json[0]).toMatchObject({
      user: "ops",
      action: "recovery-action",
      target: `alert:${alert!.fingerprint}`,
      fields: { "opsdeck.action.kind": "restart", "event.outcome": "success", "host.name": host },
    });
    expect(kept.json[0].diff).toContain("status: succeeded");
    // And told in the alert's thread, on the robot that got the alert.
    const told = await eventually(
      async () => ding.received.find((m) => m.title === "[恢复操作] PM2ProcessCrashLooping"),
      (m) => m !== undefined,
      30_000,
    );
    expect(told!.text).toContain(
      `ops 在主机 ${host} 上执行了：重启 flaky#${alert!.labels.app_instance}。结果：已完成。`,
    );

    // What does not fit the alert is refused, and so is an alert that does not exist.
    const scale = await api(page, "POST", "/api/recovery/actions", {
      fingerprint: alert!.fingerprint,
      action: { kind: "scale", app: "flaky", instances: 3 },
    });
    expect(scale.status).toBe(409);
    const nowhere = await api(page, "POST", "/api/recovery/actions", {
      fingerprint: "0123456789abcdef",
      action: { kind: "restart", app: "flaky" },
    });
    expect(nowhere.status).toBe(404);
    await context.close();
  });

  it("rolls a bad deploy back from its alert, through the team's deploy command, recorded as a deploy", async () => {
    const pm2Home = join(stack.dir, "state", "pm2");
    // The app crashes while its bug is there: version 2.x brings it.
    const { script: app, bug } = buggyApp("shop2");
    // The team's deploy command (opsdeck.yml names it): puts a version in place.
    const deployCommand = join(stack.dir, "deploy-shop2.cjs");
    writeFileSync(
      deployCommand,
      `const fs = require("node:fs");\nconst version = process.argv[2];\n` +
        `if (version.startsWith("2.")) fs.writeFileSync(${JSON.stringify(bug)}, version);\n` +
        `else fs.rmSync(${JSON.stringify(bug)}, { force: true });\nconsole.log("shop2 " + version + " in place");\n`,
    );
    const deploys = `http://127.0.0.1:${port.deploy}/api/v1/deploys`;
    const report = async (version: string, startedAt: number) => {
      const started = await post(deploys, {
        project: "shop2",
        environment: "production",
        version,
        actor: "ci",
        started_at: new Date(startedAt).toISOString(),
      });
      await post(`${deploys}/${started.body.id}/finish`, { result: "succeeded" });
    };
    await pm2(pm2Home, ["start", app, "--name", "shop2"]);
    await report("1.0.0", Date.now() - 3_600_000);
    // The bad version goes out, and the app starts crashing.
    execFileSync(process.execPath, [deployCommand, "2.0.0"]);
    await report("2.0.0", Date.now() - 60_000);
    const alert = await eventually(
      () => crashLoopOf("shop2"),
      (a) => a !== undefined,
      240_000,
    );

    const { context, page, errors } = await operatorOnPhone();
    const actions = page.locator(`[data-recovery="${alert!.fingerprint}"]`);
    const rollback = actions.locator('[data-recovery-action="rollback"]');
    await expect(rollback.innerText()).resolves.toBe("将 shop2（production）回滚到上一个成功版本");
    const asked = confirmNext(page);
    await rollback.click();
    await actions.locator('[data-recovery-result="started"]').waitFor({ timeout: 30_000 });
    expect(asked()).toBe("将通过团队的部署命令将 shop2（production）回滚到上一个成功版本。确定吗？");
    await expect(actions.locator("[data-recovery-result]").innerText()).resolves.toContain(
      "已开始回滚：正在部署 1.0.0。",
    );

    // A deploy like any other: by the operator, of the previous version, its command's output its log.
    const rolledBack = await eventually(
      async () => ((await getJson(`${deploys}?project=shop2`)) as { deploys: Record<string, any>[] }).deploys[0],
      (d) => d.source === "opsdeck-rollback" && d.status !== "running",
      60_000,
    );
    expect(rolledBack).toMatchObject({
      version: "1.0.0",
      actor: "ops",
      status: "succeeded",
      environment: "production",
    });
    const log = ((await getJson(`${deploys}/${rolledBack.id}`)) as { logs: { message: string }[] }).logs
      .map((l) => l.message)
      .join("\n");
    expect(log).toContain("shop2 1.0.0 in place");
    // The bug went with 2.0.0: the app stays up.
    expect(existsSync(bug)).toBe(false);
    const online = async () =>
      (
        JSON.parse(await pm2(pm2Home, ["jlist"])) as {
          name: string;
          pm2_env: { status: string; restart_time: number };
        }[]
      )
        .filter((p) => p.name === "shop2")
        .map((p) => [p.pm2_env.status, p.pm2_env.restart_time]);
    const settled = await eventually(online, (p) => p[0]?.[0] === "online", 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await online()).toEqual(settled);

    // Kept under the alert, and told in its thread.
    const kept = await api(page, "GET", `/api/recovery/actions?fingerprint=${alert!.fingerprint}`);
    expect(kept.json[0]).toMatchObject({
      user: "ops",
      fields: { "opsdeck.action.kind": "rollback", "opsdeck.action.outcome": "started", "opsdeck.action.app": "shop2" },
    });
    const told = await eventually(
      async () => ding.received.find((m) => m.text.includes("回滚到上一个成功版本")),
      (m) => m !== undefined,
      30_000,
    );
    expect(told!.text).toContain(
      "ops 通过部署命令执行了：将 shop2（production）回滚到上一个成功版本。已开始：部署 1.0.0，进度见门户的部署页。",
    );
    expect(await overflow(page)).toEqual({ pageScrolls: false, sticking: [] });
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "recovery-rollback-zh-390.png"), fullPage: true });
    await pm2(pm2Home, ["delete", "shop2"]);
    await context.close();
  }, 600_000);

  it("restarts an app on another host, through its agent, with that host's own key", async () => {
    const secrets = readFileSync(join(stack.dir, "state", "secrets.env"), "utf8");
    const secret = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(secrets)![1];
    // As install-agent.sh --actions-key-file sets it up from `agent-credentials -- --actions edge-1`.
    const agent = await startAgentHost({
      name: "edge-1",
      dir: join(stack.dir, "edge-1"),
      credentials: { username: "prometheus", password: secret("OPSDECK_AGENT_PASSWORD") },
      apps: 0,
      actionsKey: hostActionKey(secret("OPSDECK_PM2_ACTIONS_KEY"), "edge-1"),
    });
    try {
      const { script, bug } = buggyApp("edge-worker");
      writeFileSync(bug, "");
      await pm2(agent.pm2Home, ["start", script, "--name", "edge-worker"]);
      // Added as the Hosts page adds it: the central Prometheus scrapes it, the portal acts on it.
      writeFileSync(
        join(stack.dir, "hosts.yml"),
        stringify({
          hosts: [{ name: "edge-1", address: "127.0.0.1", node_exporter: agent.nodePort, pm2_exporter: agent.pm2Port }],
        }),
      );
      const alert = await eventually(
        () => crashLoopOf("edge-worker"),
        (a) => a !== undefined,
        240_000,
      );
      expect(alert!.labels.host).toBe("edge-1");
      const { context, page, errors } = await operatorOnPhone();
      const actions = page.locator(`[data-recovery="${alert!.fingerprint}"]`);
      await expect(actions.locator('[data-recovery-action="restart"]').innerText()).resolves.toContain("edge-worker");
      rmSync(bug);
      const asked = confirmNext(page);
      await actions.locator('[data-recovery-action="restart"]').click();
      await actions.locator('[data-recovery-result="succeeded"]').waitFor({ timeout: 60_000 });
      expect(asked()).toContain("将在主机 edge-1 上执行：重启 edge-worker");
      // The agent's PM2 did it: the worker, fixed, stays online there; the agent counted it.
      await new Promise((r) => setTimeout(r, 3000));
      const worker = JSON.parse(await pm2(agent.pm2Home, ["jlist"])).find(
        (p: { name: string }) => p.name === "edge-worker",
      );
      expect(worker.pm2_env.status).toBe("online");
      const auth = { headers: basicAuthHeader({ username: "prometheus", password: secret("OPSDECK_AGENT_PASSWORD") }) };
      const metrics = await (await fetch(`http://127.0.0.1:${agent.pm2Port}/metrics`, auth)).text();
      expect(metrics).toMatch(/^pm2_exporter_actions_total\{kind="restart",outcome="succeeded",trigger="manual"\} 1$/m);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      writeFileSync(join(stack.dir, "hosts.yml"), stringify({ hosts: [] }));
      await agent.stop();
    }
  });

  it("restarts an app on a host it cannot reach: the host's agent fetches the signed request through the front door", async () => {
    const secrets = readFileSync(join(stack.dir, "state", "secrets.env"), "utf8");
    const secret = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(secrets)![1];
    // A push host (`agent-credentials -- --push edge-2`): its token in a file on the host, its
    // SHA-256 in the central hosts list.
    const token = newPushToken();
    const tokenFile = join(stack.dir, "edge-2-token");
    writeFileSync(tokenFile, `${token.token}\n`, { mode: 0o600 });
    writeFileSync(
      join(stack.dir, "hosts.yml"),
      stringify({ hosts: [{ name: "edge-2", address: "edge-2", mode: "push", push_token_sha256: token.sha256 }] }),
    );
    const agent = await startAgentHost({
      name: "edge-2",
      dir: join(stack.dir, "edge-2"),
      credentials: { username: "prometheus", password: "edge-2-local-password" },
      apps: 0,
      actionsKey: hostActionKey(secret("OPSDECK_PM2_ACTIONS_KEY"), "edge-2"),
      actionsPull: { url: front(), token_file: tokenFile },
    });
    try {
      await pm2(agent.pm2Home, ["start", buggyApp("edge-shop").script, "--name", "edge-shop"]);
      // The alert as the push host's series would raise it (its Prometheus agent's remote write
      // and the central rules: stack/test/hosts.test.ts); put into Alertmanager directly here.
      const labels = {
        alertname: "PM2ProcessNotOnline",
        host: "edge-2",
        app: "edge-shop",
        app_instance: "0",
        severity: "warning",
      };
      const am = `http://127.0.0.1:${port.am}/api/v2/alerts`;
      const raise = (endsAt: number) =>
        fetch(am, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify([
            { labels, annotations: { summary: "edge-shop is not online" }, endsAt: new Date(endsAt).toISOString() },
          ]),
        });
      expect((await raise(Date.now() + 600_000)).status).toBe(200);
      const alert = await eventually(
        async () =>
          ((await getJson(`${am}?filter=alertname%3D%22PM2ProcessNotOnline%22`)) as AmAlert[]).find(
            (a) => a.labels.host === "edge-2",
          ),
        (a) => a !== undefined,
        30_000,
      );
      const { context, page, errors } = await operatorOnPhone();
      const actions = page.locator(`[data-recovery="${alert!.fingerprint}"]`);
      const asked = confirmNext(page);
      await actions.locator('[data-recovery-action="restart"]').click();
      await actions.locator('[data-recovery-result="succeeded"]').waitFor({ timeout: 60_000 });
      expect(asked()).toBe("将在主机 edge-2 上执行：重启 edge-shop#0。确定吗？");
      const shop = JSON.parse(await pm2(agent.pm2Home, ["jlist"])).find(
        (p: { name: string }) => p.name === "edge-shop",
      );
      expect(shop.pm2_env.restart_time).toBe(1);
      expect(errors).toEqual([]);
      await context.close();
      // Without the host's token nothing is handed out, and no host answers another's request.
      const anonymous = await fetch(`${front()}/api/agent/actions`);
      expect(anonymous.status).toBe(401);
      const forged = await fetch(`${front()}/api/agent/actions/0123456789abcdef`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`edge-2:${token.token}`).toString("base64")}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ status: 200, body: { status: "succeeded" } }),
      });
      expect(forged.status).toBe(404);
      await raise(Date.now());
    } finally {
      writeFileSync(join(stack.dir, "hosts.yml"), stringify({ hosts: [] }));
      await agent.stop();
    }
  });

  it("runs a rule's action by itself: a dry run until turned on, then for real, then held back by the hourly limit", async () => {
    const pm2Home = join(stack.dir, "state", "pm2");
    const { script, bug } = buggyApp("crashy");
    const context = await browser.newContext({ locale: "zh-CN", viewport: { width: 1440, height: 900 } });
    await context.addCookies([{ name: "lang", value: "zh-CN", url: front() }]);
    const page = await context.newPage();
    await signInPage(page, front(), "/rules", "ops", "ops-password-1");

    // The shipped rule, overridden for this app with an automatic restart (a dry run: the default).
    await page.locator("[data-shipped-rules] summary").click();
    await page.locator('[data-shipped-rule="PM2ProcessCrashLooping"]').getByRole("button", { name: "覆盖" }).click();
    const form = page.locator('[data-shipped-rules] form[data-form="rule"]');
    await form.locator('textarea[name="expr"]').fill('increase(pm2_process_restarts_total{app="crashy"}[40s]) > 2');
    await form.locator('select[name="recovery_action"]').selectOption("restart");
    await expect(form.locator('select[name="recovery_mode"]').inputValue()).resolves.toBe("dry-run");
    await form.locator('input[name="recovery_resolve_within"]').fill("1m");
    await page.screenshot({ path: join(SHOTS, "recovery-rule-zh-1440.png"), fullPage: true });
    await form.getByRole("button", { name: "保存" }).click();
    await page.locator('[data-rule="PM2ProcessCrashLooping"]').waitFor({ timeout: 10_000 });
    const rules = await api(page, "GET", "/api/alerts/rules");
    const rule = rules.json.rules.find((r: { alert: string }) => r.alert === "PM2ProcessCrashLooping");
    expect(rule.recovery).toEqual({ action: "restart", mode: "dry-run", resolve_within: "1m" });

    const firing = () => crashLoopOf("crashy");
    const entries = async (fingerprint: string) =>
      (await api(page, "GET", `/api/recovery/actions?fingerprint=${fingerprint}`)).json as {
        action: string;
        user: string;
        fields: Record<string, unknown>;
      }[];
    /** Crash-loops the app until its alert fires; the alert. */
    const crashLoop = async () => {
      writeFileSync(bug, "");
      return (await eventually(firing, (a) => a !== undefined, 180_000))!;
    };
    /** Fixes it and waits for the alert to resolve. */
    const fix = async () => {
      rmSync(bug, { force: true });
      await eventually(firing, (a) => a === undefined, 180_000);
    };

    // 1. A dry run: the host plans the restart, nothing runs; told as such.
    writeFileSync(bug, "");
    await pm2(pm2Home, ["start", script, "--name", "crashy"]);
    const first = await crashLoop();
    const dry = await eventually(
      () => entries(first.fingerprint),
      (e) => e.some((x) => x.action === "recovery-action"),
      60_000,
    );
    expect(dry[0]).toMatchObject({
      user: "rule:PM2ProcessCrashLooping",
      fields: {
        "opsdeck.action.trigger": "automatic",
        "opsdeck.action.outcome": "dry-run",
        "opsdeck.action.kind": "restart",
      },
    });
    const dryTold = await eventually(
      async () =>
        ding.received.find((m) => m.title === "[恢复操作] PM2ProcessCrashLooping" && m.text.includes("演练模式")),
      (m) => m !== undefined,
      30_000,
    );
    expect(dryTold!.text).toContain(
      `规则 PM2ProcessCrashLooping 自动在主机 ${first.labels.host} 上执行：重启 crashy#0`,
    );
    // The alert shows what its rule does, and what it did.
    await page.goto(front() + "/alerts");
    const row = page.locator(`tr:has([data-recovery="${first.fingerprint}"])`);
    await expect(row.locator("[data-recovery-rule]").innerText()).resolves.toBe(
      "告警规则会自动执行：重启 crashy#0（演练，只规划不执行）",
    );
    await expect(row.locator('[data-recovery-entry="recovery-action"]').first().innerText()).resolves.toContain(
      "规则自动 · 重启 crashy#0 · 演练：可以执行，未执行",
    );
    await fix();

    // 2. Turned on: the next firing is met by a real restart, and once the cause is gone the alert resolves.
    const INPUT_KEYS = ["group", "alert", "enabled", "condition", "for", "severity", "summary", "description"];
    const input = Object.fromEntries(
      Object.entries(rule).filter(([k]) => [...INPUT_KEYS, "runbook_url", "labels", "overrides"].includes(k)),
    );
    const on = await api(page, "PUT", `/api/alerts/rules/${rule.id}`, {
      ...input,
      recovery: { ...rule.recovery, mode: "on" },
    });
    expect(on.status).toBe(200);
    await eventually(
      async () => (await firing()) === undefined && (await promAnnotation()) === "on",
      (ok) => ok,
      30_000,
    );
    const second = await crashLoop();
    expect(second.fingerprint).toBe(first.fingerprint);
    const real = await eventually(
      async () => (await entries(second.fingerprint)).filter((x) => x.action === "recovery-action"),
      (e) => e.length === 2,
      60_000,
    );
    expect(real[0].fields).toMatchObject({ "opsdeck.action.outcome": "succeeded", "opsdeck.action.dry_run": false });
    // The host counted one planned and one real automatic restart.
    const counted = await scrape(`http://127.0.0.1:${port.pm2}`);
    expect(counted.get('pm2_exporter_actions_total{kind="restart",outcome="dry-run",trigger="automatic"}')).toBe(1);
    expect(counted.get('pm2_exporter_actions_total{kind="restart",outcome="succeeded",trigger="automatic"}')).toBe(1);
    await fix();
    // Resolved in time: nobody is told it did not help.
    expect((await entries(second.fingerprint)).some((x) => x.action === "recovery-unresolved")).toBe(false);

    // 3. A restart that does not help (the cause stays): after resolve_within, on-call is told.
    await crashLoop();
    await eventually(
      async () => (await entries(first.fingerprint)).filter((x) => x.action === "recovery-action").length,
      (n) => n === 3,
      60_000,
    );
    const notHelped = await eventually(
      () => entries(first.fingerprint),
      (e) => e.some((x) => x.action === "recovery-unresolved"),
      150_000,
    );
    expect(notHelped[0]).toMatchObject({ action: "recovery-unresolved", user: "rule:PM2ProcessCrashLooping" });
    const unresolvedTold = await eventually(
      async () => ding.received.find((m) => m.text.includes("执行后 1m 内告警仍未恢复，请值班人员处理。")),
      (m) => m !== undefined,
      30_000,
    );
    expect(unresolvedTold!.title).toBe("[恢复操作] PM2ProcessCrashLooping");
    await fix();

    // 4. The fourth firing within the hour: the limit holds the restart back, and says so in the thread.
    await crashLoop();
    const held = await eventually(
      () => entries(first.fingerprint),
      (e) => e.some((x) => x.action === "recovery-skipped"),
      60_000,
    );
    expect(held.find((x) => x.action === "recovery-skipped")!.fields["opsdeck.recovery.reason"]).toBe("rate-limit");
    expect(held.filter((x) => x.action === "recovery-action")).toHaveLength(3);
    const limitTold = await eventually(
      async () => ding.received.find((m) => m.text.includes("未执行：该应用一小时内的自动操作次数已达上限")),
      (m) => m !== undefined,
      30_000,
    );
    expect(limitTold!.title).toBe("[恢复操作] PM2ProcessCrashLooping");
    await page.goto(front() + "/alerts");
    await expect(row.locator('[data-recovery-entry="recovery-skipped"]').innerText()).resolves.toContain(
      "规则自动 · 未执行：一小时内次数已达上限",
    );
    await page.screenshot({ path: join(SHOTS, "recovery-automatic-zh-1440.png"), fullPage: true });

    // On the timeline, where the alert fired: each run, and what came of it.
    const timeline = await api(page, "GET", "/api/timeline?app=crashy");
    expect(timeline.json.recoveries.map((r: { outcome: string }) => r.outcome)).toEqual([
      "dry-run",
      "succeeded",
      "succeeded",
      "unresolved",
      "skipped",
    ]);
    // In English, on a phone.
    const phone = await browser.newContext({ locale: "en", viewport: { width: 390, height: 844 } });
    await phone.addCookies([{ name: "lang", value: "en", url: front() }]);
    const enPage = await phone.newPage();
    const errors = consoleErrors(enPage);
    await signInPage(enPage, front(), "/alerts", "ops", "ops-password-1");
    await enPage.goto(front() + "/alerts");
    const enRow = enPage.locator(`tr:has([data-recovery="${first.fingerprint}"])`);
    await expect(enRow.locator("[data-recovery-rule]").innerText()).resolves.toBe(
      "Its rule runs by itself: Restart crashy#0 (on)",
    );
    await expect(enRow.locator('[data-recovery-entry="recovery-skipped"]').innerText()).resolves.toContain(
      "Its rule · not run: the hourly limit is reached",
    );
    expect(await overflow(enPage)).toEqual({ pageScrolls: false, sticking: [] });
    await enPage.screenshot({ path: join(SHOTS, "recovery-automatic-en-390.png"), fullPage: true });
    await enPage.goto(front() + "/timeline?app=crashy");
    await enPage.locator('[data-item="recovery"]').first().waitFor({ timeout: 30_000 });
    await expect(enPage.locator('[data-item="recovery"]').count()).resolves.toBe(5);
    await enPage.locator('[data-item="recovery"][data-outcome="unresolved"]').click();
    await enPage.screenshot({ path: join(SHOTS, "timeline-recovery-en-390.png"), fullPage: true });
    expect(errors).toEqual([]);
    await phone.close();
    rmSync(bug, { force: true });
    await pm2(pm2Home, ["delete", "crashy"]);
    await context.close();
  }, 900_000);

  it("shows a viewer no action and refuses one", async () => {
    const context = await browser.newContext({ locale: "en" });
    const page = await context.newPage();
    await signIn(page, "guest");
    await page.goto(front() + "/alerts");
    await expect(page.locator("[data-recovery]").count()).resolves.toBe(0);
    const refused = await api(page, "POST", "/api/recovery/actions", {
      fingerprint: "0123456789abcdef",
      action: { kind: "restart", app: "flaky" },
    });
    expect(refused.status).toBe(403);
    await context.close();
    expect(existsSync(join(stack.dir, "state", "secrets.env"))).toBe(true);
  });
});
