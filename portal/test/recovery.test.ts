// Recovery actions from an alert, against the native stack (`npm start`'s code): an app
// crash-loops under PM2, PM2ProcessCrashLooping fires, and an operator on a phone (zh-CN, 390 px)
// sees the actions that fit it, confirms one that says what runs where, and the host's PM2
// exporter carries it out on a request the portal signed with the key npm start generated; the
// result is on the alert and in the audit trail. A viewer sees no action and is refused one;
// an action that does not fit the alert is refused.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pm2, REPO } from "@opsdeck/stack";
import { eventually } from "@opsdeck/stack/testkit";
import { stackConfig, stackPorts, startStack, type RunningStack, type StackPorts } from "@opsdeck/stack/whole-stack";
import { launchChromium } from "./browser.ts";
import { pageApi, signInPage, withHashes } from "./signin.ts";
import { consoleErrors, overflow } from "./page-checks.ts";
import type {} from "@opsdeck/stack/test-elasticsearch";

const SHOTS = join(REPO, "portal/test/screenshots");
let port: StackPorts;
let stack: RunningStack;
let browser: Browser;
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
  const hashed = await withHashes(users);
  stack = await startStack("recovery", () =>
    stackConfig(
      port,
      { session_secret: "recovery-session-secret-0123456789ab", users: hashed, trusted_proxies: ["127.0.0.1"] },
      { url: inject("elasticsearchUrl"), index_prefix: "t-recovery" },
      {},
      // The key npm start generates (secrets.env): the portal signs with it, the PM2 exporter checks.
      { pm2: { actions: { key: "${OPSDECK_PM2_ACTIONS_KEY:-}" } } },
    ),
  );
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const signIn = (page: Page, name: string) =>
  signInPage(page, front(), "/alerts", name, users.find((u) => u.name === name)!.password);

const api = pageApi;

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
      async () => {
        const res = await fetch(`http://127.0.0.1:${port.am}/api/v2/alerts?active=true`);
        return ((await res.json()) as AmAlert[]).find(
          (a) => a.labels.alertname === "PM2ProcessCrashLooping" && a.labels.app === "flaky",
        );
      },
      (a) => a !== undefined,
      240_000,
    );
    const host = alert!.labels.host;

    const context = await browser.newContext({ locale: "zh-CN", viewport: { width: 390, height: 844 } });
    await context.addCookies([{ name: "lang", value: "zh-CN", url: front() }]);
    const page = await context.newPage();
    const errors = consoleErrors(page);
    await signIn(page, "ops");
    await page.goto(front() + "/alerts");
    const actions = page.locator(`[data-recovery="${alert!.fingerprint}"]`);
    await expect(actions.locator("button").allInnerTexts()).resolves.toEqual([
      `重启 flaky#${alert!.labels.app_instance}`,
      "清零 flaky 的重启计数",
    ]);
    // The bug fixed, then the restart: the confirmation names the host and the action.
    rmSync(bug);
    const before = JSON.parse(await pm2(pm2Home, ["jlist"])).find((p: { name: string }) => p.name === "flaky");
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      void d.accept();
    });
    await actions.locator('[data-recovery-action="restart"]').click();
    await actions.locator('[data-recovery-result="succeeded"]').waitFor({ timeout: 60_000 });
    expect(asked).toBe(`将在主机 ${host} 上执行：重启 flaky#${alert!.labels.app_instance}。确定吗？`);
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
