// Automatic recovery on the whole native stack (`npm start`'s code), with the portal's default
// check every 5 s: an alert whose rule names a restart (on), put into Alertmanager as Prometheus
// puts it, until its result is on the alert (the audit entry the Alerts page and GET
// /api/recovery/actions read; a real restart of a real PM2 app); then, in the same run, the
// alert's own message in DingTalk (the stand-in; Alertmanager's group_wait of 30 s, then the
// notifier) and the follow-up, which the notifier holds until that message went out.
import { hostname } from "node:os";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { hashPassword } from "@opsdeck/core/password";
import { pm2 } from "@opsdeck/stack";
import { dingtalkStandin, opsRobotNotifier } from "@opsdeck/stack/chat-standins";
import { summary, type Row } from "@opsdeck/stack/bench-stats";
import { stackConfig, stackPorts, startStack } from "@opsdeck/stack/whole-stack";
import { cookieHeader, signIn } from "../test/signin.ts";

const RUNS = Number(process.env.OPSDECK_BENCH_RECOVERIES ?? 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchRecovery(): Promise<Row[]> {
  const ding = await dingtalkStandin({ "ops-robot": { secret: "SEC-ops-robot" } }, { ratePerMinute: 600 });
  const port = await stackPorts();
  const stack = await startStack("bench-recovery", () =>
    stackConfig(
      port,
      {
        session_secret: "bench-session-secret-0123456789abcdef",
        users: [{ name: "ops", password_hash: OPS_HASH, role: "operator" }],
        // Every run restarts the same app: no cool-down, and the most runs an hour allows.
        recovery: { max_per_app_per_hour: 60, cooldown_minutes: 0 },
      },
      {},
      opsRobotNotifier(ding.url),
      { pm2: { actions: { key: "${OPSDECK_PM2_ACTIONS_KEY:-}" } } },
    ),
  );
  try {
    const pm2Home = join(stack.dir, "state", "pm2");
    const script = join(stack.dir, "bench-app.cjs");
    writeFileSync(script, "setInterval(() => {}, 1000);\n");
    await pm2(pm2Home, ["start", script, "--name", "bench-app"]);
    const base = `http://127.0.0.1:${port.portal}`;
    const cookie = cookieHeader(await signIn(base, "ops", "bench-password-1"));
    const am = `http://127.0.0.1:${port.am}`;
    const host = hostname();
    const toResult: number[] = [];
    const restartMs: number[] = [];
    const followUp: number[] = [];
    const posted = new Map<string, number>();
    for (let i = 0; i < RUNS; i++) {
      // At a random point of the portal's 5-s check cycle, as an alert would arrive.
      await sleep(Math.random() * 5000);
      const alertname = `BenchRecovery${i}`;
      const t0 = Date.now();
      posted.set(alertname, t0);
      const res = await fetch(`${am}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([
          {
            labels: { alertname, severity: "warning", app: "bench-app", app_instance: "0", host },
            annotations: {
              summary: `${alertname} summary`,
              opsdeck_recovery: "restart",
              opsdeck_recovery_mode: "on",
              opsdeck_recovery_resolve_within: "1h",
            },
            startsAt: new Date(t0).toISOString(),
          },
        ]),
      });
      if (!res.ok) throw new Error(`Alertmanager refused the alert: ${res.status}`);
      let fingerprint = "";
      while (!fingerprint) {
        const alerts = (await (await fetch(`${am}/api/v2/alerts?filter=alertname%3D%22${alertname}%22`)).json()) as {
          fingerprint: string;
        }[];
        fingerprint = alerts[0]?.fingerprint ?? "";
        if (!fingerprint) await sleep(20);
      }
      const deadline = Date.now() + 60_000;
      for (;;) {
        const entries = (await (
          await fetch(`${base}/api/recovery/actions?fingerprint=${fingerprint}`, { headers: { cookie } })
        ).json()) as { "@timestamp": string; fields: Record<string, unknown>; diff?: string }[];
        const run = entries.find((e) => e.fields["opsdeck.action.outcome"] === "succeeded");
        if (run) {
          const at = Date.parse(run["@timestamp"]);
          toResult.push(at - t0);
          restartMs.push(Number(/ms: (\d+)/.exec(run.diff ?? "")?.[1] ?? Number.NaN));
          break;
        }
        if (Date.now() > deadline) throw new Error(`no automatic result for ${alertname} within 60 s`);
        await sleep(50);
      }
    }
    // The alerts' own messages (grouped by alert name, so one each) and the follow-ups, which
    // wait for them (notifier.follow_up_hold_seconds), after the loop.
    const ownMessage: number[] = [];
    for (const [alertname, t0] of posted) {
      const own = await waitFor(() => ding.received.find((m) => m.title === `[告警] ${alertname}`), 120_000);
      const told = await waitFor(() => ding.received.find((m) => m.title === `[恢复操作] ${alertname}`));
      if (ding.received.indexOf(told) < ding.received.indexOf(own))
        throw new Error(`${alertname}: the follow-up reached the chat before the alert`);
      ownMessage.push(own.at - t0);
      followUp.push(told.at - own.at);
    }
    const row = (name: string, ms: number[]): Row => {
      const s = summary(ms);
      return { case: name, runs: ms.length, "median ms": s.p50_ms, "p95 ms": s.p95_ms, "max ms": s.max_ms };
    };
    return [
      row("alert in Alertmanager → result on the alert (automatic restart, checks every 5 s)", toResult),
      row("  of which the host's restart step", restartMs),
      row("alert's own message → follow-up in DingTalk (held for it, then the added delivery)", followUp),
      row("comparison: alert in Alertmanager → its own message in DingTalk (group_wait 30 s)", ownMessage),
    ];
  } finally {
    await stack.stop();
    await ding.close();
  }
}

const OPS_HASH = await hashPassword("bench-password-1");

async function waitFor<T>(find: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error("not received in time");
    await sleep(20);
  }
}
