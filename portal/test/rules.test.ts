// The Rules page against the native stack (`npm start`'s code), in Debian's Chromium: an operator
// writes a business threshold in zh-CN, backtests it against three days of data this test wrote
// into Prometheus (known crossings → the exact count and periods), test-fires it (the DingTalk
// message as the notifier renders it), saves it; Prometheus loads and evaluates it, it fires on
// live data and reaches the DingTalk stand-in. Then: changed, with the diff in the audit trail; a
// viewer and an operator of another group cannot change it; a broken expression is refused with
// its position.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BIN, REPO, promQuery } from "@opsdeck/stack";
import { dingtalkStandin, opsRobotNotifier } from "@opsdeck/stack/chat-standins";
import { eventually, tempDir } from "@opsdeck/stack/testkit";
import { stackConfig, stackPorts, startStack, type RunningStack, type StackPorts } from "@opsdeck/stack/whole-stack";
import { launchChromium } from "./browser.ts";
import { pageApi, signInPage, withHashes } from "./signin.ts";
import { consoleErrors, overflow, untranslatedWords } from "./page-checks.ts";
import type {} from "@opsdeck/stack/test-elasticsearch";

const SHOTS = join(REPO, "portal/test/screenshots");
const STEP = 15_000;
let port: StackPorts;
let stack: RunningStack;
let browser: Browser;
let ding: Awaited<ReturnType<typeof dingtalkStandin>>;
const url = (p: number) => `http://127.0.0.1:${p}`;
const front = () => url(port.front);

const users = [
  { name: "ops", password: "ops-password-1", role: "operator" },
  { name: "infra", password: "infra-password-1", role: "operator", rule_groups: ["infra"] },
  { name: "guest", password: "guest-password-1", role: "viewer" },
];

/**
 * Three days of checkout_queue_depth every 15 s, 10 but for three crossings of 100: 10 minutes
 * and 3 minutes (each longer than the rule's `for` of 1 minute: they fire), and 30 s (shorter:
 * it does not). Aligned to the 15-s grid the backtest evaluates on.
 */
const now = Math.floor(Date.now() / STEP) * STEP;
const start = now - 3 * 86_400_000;
const CROSSINGS = [
  { from: now - 2 * 86_400_000, minutes: 10 },
  { from: now - 86_400_000 - 3_600_000, minutes: 3 },
  { from: now - 20 * 3_600_000, minutes: 0.5 },
];
const backfillEnd = now - 2 * 3_600_000;

function openMetrics(): string {
  const lines = ["# TYPE checkout_queue_depth gauge"];
  for (let t = start; t <= backfillEnd; t += STEP) {
    const high = CROSSINGS.some((c) => t >= c.from && t < c.from + c.minutes * 60_000);
    lines.push(`checkout_queue_depth{job="checkout-backfill",shop="main"} ${high ? 100 : 10} ${t / 1000}`);
  }
  return lines.join("\n") + "\n# EOF\n";
}

/** The periods Prometheus' `for` gives those crossings: fired a minute in, resolved a step after the last. */
const EXPECTED = CROSSINGS.filter((c) => c.minutes * 60_000 - STEP >= 60_000).map((c) => ({
  start: c.from + 60_000,
  end: c.from + c.minutes * 60_000,
}));

/** A live value of the gauge, pushed as an app's OTLP (JSON) into Prometheus' receiver. */
async function pushDepth(value: number) {
  const attr = (key: string, stringValue: string) => ({ key, value: { stringValue } });
  const res = await fetch(`${url(port.prom)}/api/v1/otlp/v1/metrics`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [attr("service.name", "checkout"), attr("service.instance.id", "live")] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "checkout_queue_depth",
                  gauge: {
                    dataPoints: [
                      { asDouble: value, timeUnixNano: `${Date.now()}000000`, attributes: [attr("shop", "main")] },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  port = await stackPorts();
  ding = await dingtalkStandin({ "ops-robot": { secret: "SEC-ops-robot" } }, { ratePerMinute: 600 });
  const hashed = await withHashes(users);
  stack = await startStack("rules", () =>
    stackConfig(
      port,
      { session_secret: "rules-session-secret-0123456789abcdef", users: hashed, trusted_proxies: ["127.0.0.1"] },
      { url: inject("elasticsearchUrl"), index_prefix: "t-rules" },
      opsRobotNotifier(ding.url),
    ),
  );
  // The three days, as blocks Prometheus picks up from its data directory (within a minute).
  const work = tempDir("rules-backfill");
  writeFileSync(join(work, "depth.om"), openMetrics());
  const data = join(stack.dir, "state", "prometheus", "data");
  await promisify(execFile)(BIN.promtool, ["tsdb", "create-blocks-from", "openmetrics", join(work, "depth.om"), data], {
    maxBuffer: 16 * 1024 * 1024,
  });
  await eventually(
    () => promQuery(url(port.prom), 'count_over_time(checkout_queue_depth{job="checkout-backfill"}[4d])'),
    (r) => Number(r[0]?.value[1] ?? 0) > 10_000,
    120_000,
  );
  await pushDepth(10);
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  ding?.close();
});

const signIn = (page: Page, name: string) =>
  signInPage(page, front(), "/rules", name, users.find((u) => u.name === name)!.password);

const api = pageApi;

const RULE = {
  group: "business",
  alert: "CheckoutQueueDeep",
  condition: { kind: "threshold", metric: "checkout_queue_depth", comparison: ">", threshold: 50 },
  for: "1m",
  severity: "critical",
  summary: { "zh-CN": "结账队列积压 {{ $value }} 单", en: "Checkout queue at {{ $value }}" },
  labels: { team: "business" },
};

let ruleId = "";

describe("alert rules in the portal", () => {
  it("writes a threshold in zh-CN, backtests it (the known crossings exactly), test-fires it and saves it", async () => {
    const context = await browser.newContext({ locale: "zh-CN", viewport: { width: 1440, height: 900 } });
    await context.addCookies([{ name: "lang", value: "zh-CN", url: front() }]);
    const page = await context.newPage();
    const errors = consoleErrors(page);
    await signIn(page, "ops");
    await page.goto(front() + "/rules");
    expect(await page.locator("main h1").innerText()).toBe("告警规则");
    // The shipped rules are listed, read-only.
    await expect(page.locator("[data-shipped-rules]").textContent()).resolves.toContain("PaymentSuccessRatioLow");

    await page.getByRole("button", { name: "新建规则" }).click();
    const form = page.locator('form[data-form="rule"]');
    await form.locator('input[name="group"]').fill("business");
    await form.locator('input[name="alert"]').fill("CheckoutQueueDeep");
    await form.locator('select[name="severity"]').selectOption("critical");
    await form.locator('input[name="for"]').fill("1m");
    await form.locator('input[name="metric"]').fill("checkout_queue_depth");
    await form.locator('select[name="comparison"]').selectOption(">");
    await form.locator('input[name="threshold"]').fill("50");
    await form.locator('input[name="summary_zh"]').fill("结账队列积压 {{ $value }} 单");
    await form.locator('input[name="summary_en"]').fill("Checkout queue at {{ $value }}");
    await form.locator('input[name="labels"]').fill("team=business");
    await form.locator('input[name="days"]').fill("3");

    // Backtest: the two crossings longer than `for`, at their exact times; the 30-s one does not fire.
    await form.getByRole("button", { name: "回测" }).click();
    const backtest = form.locator("[data-backtest]");
    await expect(backtest.locator("h3").innerText({ timeout: 30_000 })).resolves.toBe("过去 3 天会触发 2 次");
    await expect(backtest.locator("[data-periods] tbody tr").count()).resolves.toBe(2);
    const answer = await api(page, "POST", "/api/alerts/rules/backtest", { rule: RULE, days: 3 });
    expect(answer.status).toBe(200);
    expect(
      answer.json.candidate.periods.map((p: { start: number; end: number }) => ({ start: p.start, end: p.end })),
    ).toEqual(EXPECTED);
    expect(answer.json.candidate.periods[0].labels).toEqual({ job: "checkout-backfill", shop: "main" });
    // The chart draws the watched series (with the threshold and the firing stretches).
    expect(answer.json.watched.length).toBeGreaterThan(0);
    await expect(backtest.locator(".uplot").count()).resolves.toBe(1);

    // Test-fire: Alertmanager's routes for team=business, critical → business (continue), critical;
    // the DingTalk message as the notifier renders it, in Chinese (the notifier's language).
    await form.getByRole("button", { name: "试发" }).click();
    const fired = form.locator("[data-test-fire]");
    await expect(fired.locator("[data-route]").first().getAttribute("data-route", { timeout: 15_000 })).resolves.toBe(
      "business",
    );
    await expect(fired.locator("[data-route]").count()).resolves.toBe(2);
    await expect(fired.locator('[data-message="dingtalk"] pre').first().innerText()).resolves.toContain(
      "结账队列积压 50 单",
    );
    await page.screenshot({ path: join(SHOTS, "rules-editor-zh-1440.png"), fullPage: true });
    expect(await untranslatedWords(page)).toEqual([]);
    expect(await overflow(page)).toEqual({ pageScrolls: false, sticking: [] });

    // Saved: on disk, in the group's rule file, and listed.
    const saving = Date.now();
    await form.getByRole("button", { name: "保存" }).click();
    await page.locator('[data-rule="CheckoutQueueDeep"]').waitFor({ timeout: 10_000 });
    const listed = await api(page, "GET", "/api/alerts/rules");
    ruleId = listed.json.rules.find((r: { alert: string }) => r.alert === "CheckoutQueueDeep").id;
    const file = readFileSync(join(stack.dir, "data", "rules", "business.yml"), "utf8");
    expect(file).toContain("expr: checkout_queue_depth > 50");
    // Prometheus loads it and evaluates it (the benchmark times this).
    const loaded = await eventually(
      () => promRules(),
      (groups) =>
        groups.some((g) =>
          g.rules.some((r) => r.name === "CheckoutQueueDeep" && r.lastEvaluation > new Date(saving).toISOString()),
        ),
      30_000,
    );
    expect(loaded.find((g) => g.name === "business")!.file).toMatch(/rules\/business\.yml$/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("fires on live data and reaches the DingTalk robot", async () => {
    const pushing = setInterval(() => void pushDepth(100), 2000);
    try {
      await pushDepth(100);
      const message = await eventually(
        async () => ding.received.find((m) => m.text.includes("结账队列积压") || m.text.includes("Checkout queue")),
        (m) => m !== undefined,
        150_000,
      );
      expect(message!.text).toMatch(/100/);
    } finally {
      clearInterval(pushing);
      await pushDepth(10);
    }
  }, 200_000);

  it("keeps every change in the audit trail, with its diff", async () => {
    const context = await browser.newContext({ locale: "zh-CN" });
    await context.addCookies([{ name: "lang", value: "zh-CN", url: front() }]);
    const page = await context.newPage();
    await signIn(page, "ops");
    const changed = await api(page, "PUT", `/api/alerts/rules/${ruleId}`, {
      ...RULE,
      condition: { ...RULE.condition, threshold: 80 },
    });
    expect(changed.status).toBe(200);
    await page.goto(front() + `/audit?target=rule:${ruleId}`);
    const entries = page.locator("[data-audit-entry]");
    await expect(entries.count()).resolves.toBe(2);
    await expect(entries.first().getAttribute("data-audit-entry")).resolves.toBe("rule-changed");
    await entries.first().locator("summary").click();
    const diff = await entries.first().locator("[data-diff]").innerText();
    expect(diff).toContain("-  threshold: 50");
    expect(diff).toContain("+  threshold: 80");
    expect(diff).toContain("+expr: checkout_queue_depth > 80");
    expect(await untranslatedWords(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflow(page)).toEqual({ pageScrolls: false, sticking: [] });
    await page.screenshot({ path: join(SHOTS, "audit-zh-390.png"), fullPage: true });
    // Durable: the month's file holds both entries, append-only, with who and from where.
    const auditDir = join(stack.dir, "data", "portal", "audit");
    const lines = readdirSync(auditDir).flatMap((f) => readFileSync(join(auditDir, f), "utf8").trim().split("\n"));
    const mine = lines.map((l) => JSON.parse(l)).filter((e) => e.target === `rule:${ruleId}`);
    expect(mine.map((e) => [e.user, e.action, e.address])).toEqual([
      ["ops", "rule-created", "127.0.0.1"],
      ["ops", "rule-changed", "127.0.0.1"],
    ]);
    await context.close();
  });

  it("opens a weekly maintenance window's occurrence as a silence, which the test-fire names", async () => {
    const context = await browser.newContext({ locale: "zh-CN" });
    await context.addCookies([{ name: "lang", value: "zh-CN", url: front() }]);
    const page = await context.newPage();
    await signIn(page, "ops");
    // Every <today> all day (UTC): today's occurrence is running, so it opens at once, from now.
    const today = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"][
      new Date().getUTCDay()
    ];
    const added = await api(page, "POST", "/api/maintenance/recurring", {
      title: "Staging patching",
      scope: { environment: "staging" },
      weekdays: [today],
      start_time: "00:00",
      end_time: "24:00",
      time_zone: "UTC",
    });
    expect(added.status).toBe(201);
    expect(added.json.opened).toBe(1);
    const silences = (await (await fetch(`${url(port.am)}/api/v2/silences`)).json()) as {
      comment: string;
      endsAt: string;
      matchers: { name: string; value: string }[];
      status: { state: string };
    }[];
    const opened = silences.filter(
      (x) => x.comment === "[maintenance] Staging patching" && x.status.state === "active",
    );
    expect(opened).toHaveLength(1);
    const midnight = new Date(new Date().toISOString().slice(0, 10) + "T00:00:00Z").getTime() + 86_400_000;
    expect(Date.parse(opened[0].endsAt)).toBe(midnight);
    expect(opened[0].matchers.map((m) => [m.name, m.value])).toEqual([["environment", "staging"]]);
    // Scheduling again (a second weekly window triggers it) opens only the new one's.
    const second = await api(page, "POST", "/api/maintenance/recurring", {
      title: "Backup host patching",
      scope: { host: "backup-1" },
      weekdays: [today],
      start_time: "00:00",
      end_time: "24:00",
      time_zone: "UTC",
    });
    expect(second.json.opened).toBe(1);
    const after = (await (await fetch(`${url(port.am)}/api/v2/silences`)).json()) as typeof silences;
    expect(
      after.filter((x) => x.comment === "[maintenance] Staging patching" && x.status.state === "active"),
    ).toHaveLength(1);
    // The test-fire of a staging alert names the window that would silence it.
    const fired = await api(page, "POST", "/api/alerts/rules/test-fire", {
      rule: { ...RULE, labels: { team: "business", environment: "staging" } },
    });
    expect(fired.status).toBe(200);
    expect(fired.json.silenced_by.map((x: { comment: string }) => x.comment)).toEqual([
      "[maintenance] Staging patching",
    ]);
    // Listed on the Alerts page, in the reader's language.
    await page.goto(front() + "/alerts");
    await expect(page.locator('[data-widget="recurring-maintenance"]').innerText()).resolves.toContain(
      "Staging patching",
    );
    const words = await untranslatedWords(page);
    if (words.length)
      console.log(
        await page.evaluate((word) => {
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode())
            if (n.textContent?.includes(word)) return n.parentElement?.parentElement?.outerHTML.slice(0, 600);
        }, words[0]),
      );
    expect(words).toEqual([]);
    await context.close();
  });

  it("refuses a viewer, an operator of another group, and a broken expression with its position", async () => {
    for (const name of ["guest", "infra"]) {
      const context = await browser.newContext({ locale: "en" });
      const page = await context.newPage();
      await signIn(page, name);
      const changed = await api(page, "PUT", `/api/alerts/rules/${ruleId}`, RULE);
      expect(changed.status, name).toBe(403);
      await page.goto(front() + "/rules");
      await expect(page.locator('[data-rule="CheckoutQueueDeep"] button').count()).resolves.toBe(0);
      if (name === "infra") {
        // Its own group it may change.
        const own = await api(page, "POST", "/api/alerts/rules", { ...RULE, group: "infra", alert: "InfraQueue" });
        expect(own.status).toBe(201);
      }
      await context.close();
    }
    const context = await browser.newContext({ locale: "zh-CN", viewport: { width: 390, height: 844 } });
    await context.addCookies([{ name: "lang", value: "zh-CN", url: front() }]);
    const page = await context.newPage();
    await signIn(page, "ops");
    const broken = await api(page, "POST", "/api/alerts/rules", {
      ...RULE,
      alert: "Broken",
      condition: { kind: "promql", expr: "sum(rate(checkout_queue_depth[5m]) > > 3" },
    });
    expect(broken.status).toBe(400);
    expect(broken.json.problems[0]).toMatchObject({ field: "expr", line: 1, column: 38 });
    expect(broken.json.error).toMatch(/^expr: 1:38: parse error/);
    // In the page, in the reader's language.
    await page.goto(front() + "/rules");
    await page.getByRole("button", { name: "新建规则" }).click();
    const form = page.locator('form[data-form="rule"]');
    await form.locator('input[type="radio"]').nth(1).check();
    await form.locator('textarea[name="expr"]').fill("sum(rate(checkout_queue_depth[5m]) > > 3");
    await form.getByRole("button", { name: "检查" }).click();
    await expect(form.locator("[data-rule-error]").innerText({ timeout: 10_000 })).resolves.toMatch(
      /^第 1 行第 38 列：/,
    );
    // A selector that matches nothing is a warning, not a refusal.
    await form.locator('textarea[name="expr"]').fill('checkout_queue_depth{shop="nowhere"} > 1');
    await form.getByRole("button", { name: "检查" }).click();
    await expect(form.locator("[data-rule-checks] .warning").innerText({ timeout: 10_000 })).resolves.toContain(
      "没有任何序列匹配",
    );
    expect(await overflow(page)).toEqual({ pageScrolls: false, sticking: [] });
    await page.screenshot({ path: join(SHOTS, "rules-zh-390.png"), fullPage: true });
    await context.close();
  });

  it("overrides a shipped rule, turns it off and reverts it, in the files Prometheus loads", async () => {
    const original = readFileSync(join(REPO, "provisioning/prometheus/rules/pm2.yml"), "utf8");
    const shippedCopy = join(stack.dir, "data", "rules", "shipped", "pm2.yml");
    // The stack copied the shipped files before Prometheus started; untouched, they are the originals.
    expect(readFileSync(shippedCopy, "utf8")).toBe(original);
    const loaded = async (alert: string) =>
      (await promRules())
        .filter((g) => g.file.endsWith("/shipped/pm2.yml"))
        .flatMap((g) => g.rules)
        .filter((r) => r.name === alert);
    expect((await loaded("PM2DaemonDown"))[0].query).toBe("pm2_daemon_up == 0");

    const context = await browser.newContext({ locale: "zh-CN", viewport: { width: 1440, height: 900 } });
    await context.addCookies([{ name: "lang", value: "zh-CN", url: front() }]);
    const page = await context.newPage();
    await signIn(page, "ops");
    await page.goto(front() + "/rules");
    await page.locator("[data-shipped-rules] summary").click();
    await page.locator('[data-shipped-rule="PM2DaemonDown"]').getByRole("button", { name: "覆盖" }).click();
    const form = page.locator('[data-shipped-rules] form[data-form="rule"]');
    await expect(form.locator("[data-override-note]").innerText()).resolves.toContain("pm2.yml");
    await expect(form.locator('input[name="group"]').inputValue()).resolves.toBe("pm2");
    await expect(form.locator('input[name="alert"]').getAttribute("readonly")).resolves.toBe("");
    await expect(form.locator('textarea[name="expr"]').inputValue()).resolves.toBe("pm2_daemon_up == 0");
    await form.locator('textarea[name="expr"]').fill("pm2_daemon_up < 0");
    await form.locator('input[name="for"]').fill("3m");
    await form.getByRole("button", { name: "保存" }).click();
    await page.locator('[data-rule="PM2DaemonDown"] [data-overrides="pm2.yml"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, "rules-override-zh-1440.png"), fullPage: true });

    // Prometheus evaluates the team's version in the shipped rule's place; the file's other rules stay.
    const overridden = await eventually(
      () => loaded("PM2DaemonDown"),
      (r) => r.length === 1 && r[0].query === "pm2_daemon_up < 0",
      15_000,
    );
    // Annotations the override does not set are the shipped rule's (its runbook).
    expect(overridden[0].annotations.runbook_url).toBe("docs/runbooks.md#pm2daemondown");
    expect((await loaded("PM2ProcessErrored"))[0].query).toBe('pm2_process_status{status="errored"} == 1');
    const id = overridden[0].annotations.opsdeck_rule_id;
    expect(id).toMatch(/^[a-z0-9]+$/);

    // One override per shipped rule; none of a rule that is not shipped.
    const target = { file: "pm2.yml", alert: "PM2DaemonDown", labels: { severity: "critical" } };
    const again = await api(page, "POST", "/api/alerts/rules", { ...RULE, overrides: target });
    expect(again.status).toBe(409);
    const missing = await api(page, "POST", "/api/alerts/rules", {
      ...RULE,
      overrides: { ...target, alert: "NoSuchAlert" },
    });
    expect(missing.status).toBe(404);

    // An operator of another group and a viewer may not override it.
    for (const name of ["infra", "guest"]) {
      const other = await browser.newContext({ locale: "en" });
      const otherPage = await other.newPage();
      await signIn(otherPage, name);
      const denied = await api(otherPage, "PATCH", `/api/alerts/rules/${id}`, { enabled: false });
      expect(denied.status, name).toBe(403);
      const created = await api(otherPage, "POST", "/api/alerts/rules", {
        ...RULE,
        overrides: { ...target, alert: "PM2ProcessErrored" },
      });
      expect(created.status, name).toBe(403);
      await other.close();
    }

    // Disabled, the override turns the shipped rule off: neither is evaluated.
    expect((await api(page, "PATCH", `/api/alerts/rules/${id}`, { enabled: false })).status).toBe(200);
    await eventually(
      () => loaded("PM2DaemonDown"),
      (r) => r.length === 0,
      15_000,
    );
    expect((await loaded("PM2ProcessErrored")).length).toBe(1);

    // Reverted: the shipped rule is back, its copy the original byte for byte, and the audit trail says who.
    expect((await api(page, "DELETE", `/api/alerts/rules/${id}`)).status).toBe(204);
    await eventually(
      () => loaded("PM2DaemonDown"),
      (r) => r.length === 1 && r[0].query === "pm2_daemon_up == 0" && !r[0].annotations.opsdeck_rule_id,
      15_000,
    );
    expect(readFileSync(shippedCopy, "utf8")).toBe(original);
    const trail = await api(page, "GET", `/api/audit?target=${encodeURIComponent(`rule:${id}`)}`);
    expect(trail.json.entries.map((e: { action: string }) => e.action)).toEqual([
      "rule-removed",
      "rule-disabled",
      "rule-created",
    ]);

    // An override whose shipped rule an upgrade removed (written into rules.yml as it would be
    // left behind) is listed as applying to nothing.
    const store = join(stack.dir, "data", "portal", "rules.yml");
    const kept = readFileSync(store, "utf8");
    const doc = parseYaml(kept) as { rules: Record<string, unknown>[] };
    doc.rules.push({
      id: "retired01",
      group: "pm2",
      alert: "RetiredAlert",
      enabled: true,
      condition: { kind: "promql", expr: "vector(1) < 0" },
      for: "5m",
      severity: "warning",
      summary: { "zh-CN": "已退役", en: "Retired" },
      description: { "zh-CN": "", en: "" },
      labels: {},
      overrides: { file: "pm2.yml", alert: "RetiredAlert", labels: { severity: "warning" } },
      updated_at: new Date().toISOString(),
      updated_by: "upgrade",
    });
    writeFileSync(store, stringifyYaml(doc));
    try {
      await page.goto(front() + "/rules");
      await expect(page.locator('[data-rule="RetiredAlert"] [data-orphaned]').innerText()).resolves.toBe(
        "随附规则已不存在，此覆盖不起作用",
      );
      await expect(page.locator('[data-rule="PM2DaemonDown"]').count()).resolves.toBe(0);
    } finally {
      writeFileSync(store, kept);
    }
    await context.close();
  });
});

async function promRules(): Promise<
  {
    name: string;
    file: string;
    rules: { name: string; lastEvaluation: string; query: string; annotations: Record<string, string> }[];
  }[]
> {
  const res = await fetch(`${url(port.prom)}/api/v1/rules?type=alert`);
  return ((await res.json()) as { data: { groups: never[] } }).data.groups;
}
