// Runs the bundled notifier against stand-ins: a config on a free port in a temp dir, Alertmanager
// payloads, and a way to read its API.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort, launchNotifier, type Proc } from "@opsdeck/stack";
import { tempDir, TOKEN } from "@opsdeck/stack/testkit";
import type { AmAlert, AmPayload } from "../src/model.ts";

export interface NotifierEnv {
  url: string;
  dir: string;
  file: string;
  proc: Proc;
  start(): Promise<Proc>;
  /** Rewrites the config (same port and data) and sends SIGHUP. */
  reload(notifier: Record<string, unknown>): void;
}

export async function notifierEnv(notifier: Record<string, unknown>): Promise<NotifierEnv> {
  const dir = tempDir("notifier");
  const port = await freePort();
  const file = join(dir, "opsdeck.yml");
  const write = (n: Record<string, unknown>) =>
    writeFileSync(
      file,
      stringify({
        log: { level: "warn" },
        notifier: { port, token: TOKEN, data_dir: "notifier", retry: { initial_seconds: 0.2, max_seconds: 2 }, ...n },
      }),
    );
  write(notifier);
  const url = `http://127.0.0.1:${port}`;
  const env: NotifierEnv = {
    url,
    dir,
    file,
    proc: undefined as unknown as Proc,
    async start() {
      env.proc = await launchNotifier({ configFile: file, url });
      return env.proc;
    },
    reload(n) {
      write(n);
      process.kill(env.proc.child.pid!, "SIGHUP");
    },
  };
  await env.start();
  return env;
}

let seq = 0;
export function amAlert(
  name: string,
  labels: Record<string, string> = {},
  status: "firing" | "resolved" = "firing",
): AmAlert {
  return {
    status,
    labels: { alertname: name, severity: "critical", host: "web1", ...labels },
    annotations: {
      summary: `${name} summary`,
      description: `${name} description`,
      runbook_url: `docs/runbooks.md#${name.toLowerCase()}`,
    },
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: status === "resolved" ? new Date().toISOString() : "0001-01-01T00:00:00Z",
    generatorURL: "http://127.0.0.1:9090/graph",
    fingerprint: `${name}-${++seq}`,
  };
}

export function amPayload(receiver: string, alerts: AmAlert[]): AmPayload {
  return {
    version: "4",
    groupKey: `{}/{}:{alertname="${alerts[0].labels.alertname}"}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    receiver,
    groupLabels: { alertname: alerts[0].labels.alertname },
    commonLabels: { alertname: alerts[0].labels.alertname },
    commonAnnotations: {},
    externalURL: "http://127.0.0.1:9093",
    alerts,
  };
}
