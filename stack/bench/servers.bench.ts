// Prometheus 3 / Alertmanager 0.35 (built from their Go modules, what OpsDeck runs) beside
// Debian's Prometheus 2.42 / Alertmanager 0.25 (what it ran before), on the whole test stack
// (`npm start` with the demo): how long after Prometheus starts the first Watchdog heartbeat
// reaches the notifier, and how long the rule groups take to evaluate. Runs alternate between
// the two so the machine's drift hits both.
import { execFileSync } from "node:child_process";
import { promQuery } from "../src/prometheus.ts";
import { eventually } from "../src/testkit.ts";
import { stackConfig, stackPorts, startStack } from "../src/whole-stack.ts";
import { summary } from "../src/bench-stats.ts";

const DEBIAN = {
  OPSDECK_PROMETHEUS_BIN: "prometheus",
  OPSDECK_PROMTOOL_BIN: "promtool",
  OPSDECK_ALERTMANAGER_BIN: "prometheus-alertmanager",
  OPSDECK_AMTOOL_BIN: "amtool",
};

const version = (bin: string) => {
  try {
    return /version (\S+)/.exec(execFileSync(bin, ["--version"], { encoding: "utf8", stdio: "pipe" }))?.[1];
  } catch {
    return undefined;
  }
};

async function once(env: Record<string, string>) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const port = await stackPorts();
  const running = await startStack("bench-servers", () => stackConfig(port), 240_000);
  Object.assign(process.env, saved);
  for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
  try {
    const prom = `http://127.0.0.1:${port.prom}`;
    const number = async (q: string) => Number((await promQuery(prom, q))[0]?.value[1] ?? NaN);
    const heartbeat = await eventually(
      () => number("opsdeck_notifier_last_heartbeat_timestamp_seconds"),
      (t) => t > 0,
      180_000,
    );
    const started = await number('process_start_time_seconds{job="prometheus"}');
    // Two more minutes: every group has evaluated several times (the slowest runs every minute).
    await new Promise((r) => setTimeout(r, 120_000));
    const groups = (await promQuery(prom, "prometheus_rule_group_last_duration_seconds")).map((s) =>
      Number(s.value[1]),
    );
    const failures = await number("sum(prometheus_rule_evaluation_failures_total)");
    return {
      firstHeartbeatSeconds: heartbeat - started,
      ruleGroupsMs: groups.reduce((a, b) => a + b, 0) * 1000,
      slowestGroupMs: Math.max(...groups) * 1000,
      failures,
    };
  } finally {
    await running.stop();
  }
}

export async function benchServers(runs = Number(process.env.OPSDECK_BENCH_SERVER_RUNS ?? 3)) {
  const variants: { name: string; env: Record<string, string> }[] = [{ name: "built", env: {} }];
  if (version(DEBIAN.OPSDECK_PROMETHEUS_BIN) && version(DEBIAN.OPSDECK_ALERTMANAGER_BIN))
    variants.push({ name: "debian", env: DEBIAN });
  const results: Record<string, Awaited<ReturnType<typeof once>>[]> = {};
  for (let i = 0; i < runs; i++) for (const v of variants) (results[v.name] ??= []).push(await once(v.env));
  return variants.map((v) => {
    const r = results[v.name];
    const prometheus = version(v.env.OPSDECK_PROMETHEUS_BIN ?? "") ?? "3.16.0 (built)";
    const alertmanager = version(v.env.OPSDECK_ALERTMANAGER_BIN ?? "") ?? "0.35.0 (built)";
    // summary() names its fields _ms; here they hold seconds and milliseconds as labelled below.
    const first = summary(r.map((x) => x.firstHeartbeatSeconds));
    const groups = summary(r.map((x) => x.ruleGroupsMs));
    return {
      servers: `Prometheus ${prometheus}, Alertmanager ${alertmanager}`,
      runs: r.length,
      "first heartbeat after Prometheus start p50 (s)": first.p50_ms.toFixed(1),
      "max (s)": first.max_ms.toFixed(1),
      "all rule groups, one evaluation p50 (ms)": groups.p50_ms.toFixed(2),
      "slowest group max (ms)": Math.max(...r.map((x) => x.slowestGroupMs)).toFixed(2),
      "evaluation failures": r.reduce((a, x) => a + x.failures, 0),
    };
  });
}
