// Three Alertmanagers in one gossip cluster on loopback, a real Prometheus sending every alert to
// each of them (no load balancer between), and the notifier behind a door that can be made
// slow: one message per group while all are up (the peers' own deduplication); a silence made
// on one peer is on the others; a webhook slower than the peer timeout makes the next peers send
// too, and the notifier keeps one of those copies; the first peer killed with SIGKILL, the
// next one still delivers. Two Prometheus servers (a pair, told apart by an external label that
// alerts drop) send the same alerts: still one message; one of them killed, alerting goes on.
import { createServer, request, type Server } from "node:http";
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
import { dingtalkStandin } from "@opsdeck/stack/chat-standins";
import { notifierEnv, type NotifierEnv } from "./harness.ts";

const SECRET = "SEC-cluster-0123456789abcdef0123";
const PEER_TIMEOUT_S = 2;
const dir = tempDir("am-cluster");
const procs: Proc[] = [];
let ding: Awaited<ReturnType<typeof dingtalkStandin>>;
let notifier: NotifierEnv;
let door: Server;
/** How long the door holds the notifier's answer back. */
let doorDelayMs = 0;
const peers: { port: number; url: string; proc: Proc }[] = [];
const rulesFile = join(dir, "rules.yml");
const proms: { proc: Proc; url: string }[] = [];

/** The alerts Prometheus evaluates: each `vector(1)`, so each fires from its first evaluation. */
function fire(alertnames: string[]) {
  writeFileSync(
    rulesFile,
    stringify({
      groups: [
        {
          name: "cluster",
          rules: alertnames.map((alert) => ({
            alert,
            expr: "vector(1)",
            labels: { severity: "warning" },
            annotations: { summary: `${alert} summary`, description: "x" },
          })),
        },
      ],
    }),
  );
}

/** A reverse proxy to the notifier that answers after doorDelayMs (the notifier has it by then). */
async function slowDoor(target: string): Promise<Server> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const upstream = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () =>
          setTimeout(() => res.writeHead(answer.statusCode!, answer.headers).end(Buffer.concat(chunks)), doorDelayMs),
        );
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

const messages = (alertname: string) => ding.received.filter((m) => m.title === `[告警] ${alertname}`);

/** Webhook notifications each peer sent (Alertmanager's own count), summed over the live peers. */
async function peerSends(): Promise<number> {
  let total = 0;
  for (const p of peers.filter((x) => x.proc.child.exitCode === null && x.proc.child.signalCode === null)) {
    const m = await scrape(p.url);
    total += m.get('alertmanager_notifications_total{integration="webhook"}') ?? 0;
  }
  return total;
}

interface AmStatus {
  cluster: { name: string; status: string; peers: { name: string }[] };
}

beforeAll(async () => {
  ding = await dingtalkStandin({ "ops-token": { secret: SECRET } }, { ratePerMinute: 600 });
  notifier = await notifierEnv({
    channels: { ops: { type: "dingtalk", access_token: "ops-token", secret: SECRET, base_url: ding.url } },
    receivers: { default: { channels: ["ops"] } },
  });
  procs.push(notifier.proc);
  door = await slowDoor(notifier.url);
  const tokenFile = join(dir, "notifier.token");
  writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
  const config = await renderAlertmanagerConfig({
    source: join(REPO, "alertmanager/alertmanager.yml"),
    notifierUrl: `http://127.0.0.1:${(door.address() as { port: number }).port}`,
    tokenFile,
    timing: { group_wait: "1s", group_interval: "2s", repeat_interval: "1h" },
  });
  const ports = await Promise.all([0, 1, 2].map(async () => ({ web: await freePort(), gossip: await freePort() })));
  const started = await Promise.all(
    ports.map((p, i) =>
      startAlertmanager({
        dir: join(dir, `am-${i}`),
        port: p.web,
        config,
        logFile: join(dir, `am-${i}.log`),
        cluster: {
          port: p.gossip,
          peers: ports.filter((_, j) => j !== i).map((o) => o.gossip),
          peerTimeout: `${PEER_TIMEOUT_S}s`,
        },
      }),
    ),
  );
  started.forEach((am, i) => {
    peers.push({ port: ports[i].web, url: am.url, proc: am.proc });
    procs.push(am.proc);
  });
  // All three see each other before any alert.
  for (const p of peers)
    await eventually(
      () => getJson(`${p.url}/api/v2/status`) as Promise<AmStatus>,
      (s) => s.cluster.status === "ready" && s.cluster.peers.length === 3,
      60_000,
    );
  fire(["ClusterOne"]);
  // A Prometheus pair: the same rules, told apart only by their prometheus_replica label.
  for (const replica of ["a", "b"]) {
    const prom = await startTestPrometheus({
      dir: join(dir, `prom-${replica}`),
      alertmanagers: peers.map((p) => `127.0.0.1:${p.port}`),
      scrapeInterval: "1s",
      ruleFiles: [rulesFile],
      resendDelay: "1s",
      replica,
    });
    proms.push(prom);
    procs.push(prom.proc);
  }
}, 180_000);

afterAll(async () => {
  await stopAll(procs);
  door?.close();
  await ding?.close();
});

describe("Alertmanager's cluster of three, every Prometheus alert sent to each", () => {
  it("sends one message per group while all peers are up", async () => {
    await eventually(
      async () => messages("ClusterOne"),
      (m) => m.length === 1,
      60_000,
    );
    // Time for the second and third peers to have sent, had they not heard of the first's send.
    await new Promise((r) => setTimeout(r, 3 * PEER_TIMEOUT_S * 1000 + 2000));
    expect(messages("ClusterOne")).toHaveLength(1);
    // Alertmanager's own deduplication did it: one webhook call among the three.
    expect(await peerSends()).toBe(1);
    // Both Prometheus servers' alert is one alert on each peer: the replica label is dropped.
    for (const p of peers) {
      const alerts = (await getJson(`${p.url}/api/v2/alerts?filter=alertname%3D%22ClusterOne%22`)) as {
        labels: Record<string, string>;
      }[];
      expect(alerts).toHaveLength(1);
      expect(alerts[0].labels.prometheus_replica).toBeUndefined();
    }
    const replicas = (await getJson(`${proms[0].url}/api/v1/status/config`)) as { data: { yaml: string } };
    expect(replicas.data.yaml).toMatch(/prometheus_replica: a/);
  });

  it("has a silence made on one peer on the others", async () => {
    const res = await silenceAlert(peers[0].url, "ClusterSilenced", {
      createdBy: "ops",
      comment: "made on the first peer",
    });
    expect(res.status).toBe(200);
    const { silenceID } = (await res.json()) as { silenceID: string };
    for (const p of peers.slice(1))
      await eventually(
        () => getJson(`${p.url}/api/v2/silences`) as Promise<{ id: string; status: { state: string } }[]>,
        (list) => list.some((s) => s.id === silenceID && s.status.state === "active"),
        30_000,
      );
    // …and every peer holds the alert back: nothing reaches the chat.
    fire(["ClusterOne", "ClusterSilenced"]);
    await eventually(
      async () =>
        (await Promise.all(
          peers.map((p) => getJson(`${p.url}/api/v2/alerts?filter=alertname%3D%22ClusterSilenced%22`)),
        )) as {
          status: { state: string };
        }[][],
      (each) => each.every((alerts) => alerts[0]?.status.state === "suppressed"),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 3 * PEER_TIMEOUT_S * 1000 + 2000));
    expect(messages("ClusterSilenced")).toHaveLength(0);
  });

  it("keeps one of the copies a slow webhook makes the other peers send", async () => {
    const before = await peerSends();
    // Slower than the peer timeout: the next peers have not heard of the first's send when their
    // turn comes, so they send too — Alertmanager's at-least-once.
    doorDelayMs = (PEER_TIMEOUT_S + 3) * 1000;
    try {
      fire(["ClusterOne", "ClusterSilenced", "ClusterSlow"]);
      await eventually(peerSends, (n) => n - before >= 2, 60_000);
      await new Promise((r) => setTimeout(r, doorDelayMs + 2000));
    } finally {
      doorDelayMs = 0;
    }
    const copies = (await peerSends()) - before;
    expect(copies).toBeGreaterThanOrEqual(2);
    expect(messages("ClusterSlow")).toHaveLength(1);
    // One notification on the notifier's disk; the other copies acknowledged and counted.
    const history = (await getJson(`${notifier.url}/api/v1/notifications?kind=alert&limit=500`)) as {
      notifications: { alertname: string }[];
    };
    expect(history.notifications.filter((n) => n.alertname === "ClusterSlow")).toHaveLength(1);
    const kept = await scrape(notifier.url);
    expect(kept.get("opsdeck_notifier_peer_copies_total")).toBe(copies - 1);
  });

  it("still delivers with the first peer killed", async () => {
    const status = (await getJson(`${peers[0].url}/api/v2/status`)) as AmStatus;
    const first = status.cluster.peers.map((p) => p.name).sort()[0];
    const names = await Promise.all(
      peers.map(async (p) => ((await getJson(`${p.url}/api/v2/status`)) as AmStatus).cluster.name),
    );
    const victim = peers[names.indexOf(first)];
    process.kill(victim.proc.child.pid!, "SIGKILL");
    await eventually(
      async () => victim.proc.child.exitCode !== null || victim.proc.child.signalCode !== null,
      (dead) => dead,
      10_000,
    );
    fire(["ClusterOne", "ClusterSilenced", "ClusterSlow", "ClusterAfterKill"]);
    await eventually(
      async () => messages("ClusterAfterKill"),
      (m) => m.length === 1,
      90_000,
    );
    await new Promise((r) => setTimeout(r, 3 * PEER_TIMEOUT_S * 1000 + 2000));
    expect(messages("ClusterAfterKill")).toHaveLength(1);
  });

  it("still alerts, once, with one of the Prometheus pair killed", async () => {
    process.kill(proms[0].proc.child.pid!, "SIGKILL");
    fire(["ClusterOne", "ClusterSilenced", "ClusterSlow", "ClusterAfterKill", "ClusterOnePrometheus"]);
    await eventually(
      async () => messages("ClusterOnePrometheus"),
      (m) => m.length === 1,
      90_000,
    );
    await new Promise((r) => setTimeout(r, 3 * PEER_TIMEOUT_S * 1000 + 2000));
    expect(messages("ClusterOnePrometheus")).toHaveLength(1);
  });
});
