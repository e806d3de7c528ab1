// The deploy exporter end to end: live progress over SSE (with resume), GitHub and axi
// deliveries, deploys that time out, and Grafana annotations (to a local capture server).
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSse } from "@opsdeck/core/sse";
import { launchExporter, stopAll, type Proc } from "@opsdeck/stack";
import {
  AXI_TOKEN,
  eventually,
  getJson,
  GITHUB_SECRET,
  post,
  scrape,
  tempDir,
  type TestConfig,
  writeConfig,
} from "@opsdeck/stack/testkit";

let cfg: TestConfig;
const procs: Proc[] = [];
let grafana: Server;
const annotations: { auth?: string; body: any }[] = [];

beforeAll(async () => {
  grafana = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.url === "/api/annotations") annotations.push({ auth: req.headers.authorization, body: JSON.parse(body) });
      res.writeHead(200, { "content-type": "application/json" }).end('{"id":1}');
    });
  });
  await new Promise<void>((r) => grafana.listen(0, "127.0.0.1", r));
  const addr = grafana.address() as { port: number };
  cfg = await writeConfig(tempDir("deploy-live"), {
    deploy: {
      timeout_minutes: 0.02,
      grafana: { url: `http://127.0.0.1:${addr.port}`, token: "grafana-token", tags: ["deploy", "opsdeck"] },
    },
  });
  procs.push(await launchExporter("deploy", { configFile: cfg.file, url: cfg.urls.deploy }));
});
afterAll(async () => {
  await stopAll(procs);
  grafana.close();
});

/** Reads SSE events from the stream until `count` deploy events arrived. */
async function readEvents(count: number, lastEventId?: string) {
  const res = await fetch(`${cfg.urls.deploy}/api/v1/stream`, {
    headers: lastEventId ? { "last-event-id": lastEventId } : {},
  });
  const events: { id: string; data: any }[] = [];
  for await (const e of readSse(res.body!)) {
    if (e.id) events.push({ id: e.id, data: JSON.parse(e.data) });
    if (events.length === count) break;
  }
  return events;
}

describe("deploy exporter, live", () => {
  it("streams each change as it happens, and resumes from Last-Event-ID", async () => {
    const live = readEvents(3);
    await new Promise((r) => setTimeout(r, 200));
    await post(`${cfg.urls.deploy}/api/v1/deploys`, { id: "live-1", project: "web", environment: "prod" });
    await post(`${cfg.urls.deploy}/api/v1/deploys/live-1/steps`, { name: "build", status: "running" });
    await post(`${cfg.urls.deploy}/api/v1/deploys/live-1/finish`, { result: "succeeded" });
    const events = await live;
    expect(events.map((e) => [e.data.type, e.data.step ?? null, e.data.deploy.status])).toEqual([
      ["started", null, "running"],
      ["updated", "build", "running"],
      ["finished", null, "succeeded"],
    ]);
    // A client that saw only the first event gets the other two on reconnect.
    const resumed = await readEvents(2, events[0].id);
    expect(resumed.map((e) => e.id)).toEqual([events[1].id, events[2].id]);
  });

  it("stamps a step's times at receipt when the client gives none, and keeps those it gives", async () => {
    const steps = `${cfg.urls.deploy}/api/v1/deploys/times-1/steps`;
    await post(`${cfg.urls.deploy}/api/v1/deploys`, { id: "times-1", project: "stamps", environment: "prod" });
    const before = Date.now();
    await post(steps, { name: "build", status: "running" });
    await new Promise((r) => setTimeout(r, 50));
    await post(steps, { name: "build", status: "succeeded" });
    await post(steps, { name: "test", status: "waiting" });
    await post(steps, {
      name: "push",
      status: "succeeded",
      started_at: "2026-12-01T10:00:00Z",
      finished_at: "2026-12-01T10:00:05Z",
    });
    const after = Date.now();
    const deploy = await getJson(`${cfg.urls.deploy}/api/v1/deploys/times-1`);
    await post(`${cfg.urls.deploy}/api/v1/deploys/times-1/finish`, { result: "succeeded" }); // out of the others' way
    const [build, test, push] = deploy.steps;
    expect(Date.parse(build.started_at)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(build.finished_at)).toBeGreaterThan(Date.parse(build.started_at)); // the first start stays
    expect(Date.parse(build.finished_at)).toBeLessThanOrEqual(after + 1);
    expect([test.started_at, test.finished_at]).toEqual([undefined, undefined]); // waiting: not begun
    expect([push.started_at, push.finished_at]).toEqual(["2026-12-01T10:00:00.000Z", "2026-12-01T10:00:05.000Z"]);
  });

  it("posts a Grafana annotation for a finished deploy", async () => {
    const a = await eventually(
      async () => annotations.find((x) => x.body.text.includes("web")),
      (x) => x !== undefined,
    );
    expect(a!.auth).toBe("Bearer grafana-token");
    expect(a!.body.tags).toEqual(["deploy", "opsdeck", "web", "prod", "succeeded"]);
    expect(a!.body.timeEnd).toBeGreaterThanOrEqual(a!.body.time);
  });

  it("turns a deploy nobody finishes into timed_out", async () => {
    await post(`${cfg.urls.deploy}/api/v1/deploys`, { id: "stuck", project: "web", environment: "prod" });
    const d = await eventually(
      () => getJson(`${cfg.urls.deploy}/api/v1/deploys/stuck`),
      (x) => x.status === "timed_out",
      10_000,
    );
    expect(d.finished_at).toBeDefined();
    const m = await scrape(cfg.urls.deploy);
    expect(m.get('opsdeck_deployments_total{project="web",environment="prod",result="timed_out"}')).toBe(1);
    expect(m.get('opsdeck_deployment_failing{project="web",environment="prod"}')).toBe(1);
  });

  it("takes signed GitHub deliveries once", async () => {
    const body = JSON.stringify({
      action: "completed",
      repository: { name: "api", full_name: "acme/api" },
      workflow_run: {
        id: 99,
        run_attempt: 1,
        name: "Deploy",
        head_branch: "main",
        head_sha: "c".repeat(40),
        conclusion: "success",
        run_started_at: new Date(Date.now() - 60_000).toISOString(),
        updated_at: new Date().toISOString(),
      },
    });
    const headers = {
      "x-github-event": "workflow_run",
      "x-github-delivery": "delivery-1",
      "x-hub-signature-256": "sha256=" + createHmac("sha256", GITHUB_SECRET).update(body).digest("hex"),
    };
    expect(await post(`${cfg.urls.deploy}/api/v1/webhooks/github`, body, { token: null, headers })).toMatchObject({
      status: 202,
      body: { accepted: 1 },
    });
    expect(await post(`${cfg.urls.deploy}/api/v1/webhooks/github`, body, { token: null, headers })).toMatchObject({
      status: 202,
      body: { accepted: 0 },
    });
    const d = await getJson(`${cfg.urls.deploy}/api/v1/deploys/gh-run-99-1`);
    expect(d).toMatchObject({ project: "api", environment: "production", status: "succeeded", source: "github" });
    expect(d.duration_seconds).toBeGreaterThanOrEqual(59);
  });

  it("takes a whole axi-deploy pipeline through ?token=", async () => {
    const url = `${cfg.urls.deploy}/api/v1/webhooks/axi?token=${AXI_TOKEN}`;
    const base = { project: "blog", deployment_id: "7001", timestamp: new Date().toISOString() };
    for (const n of [
      { type: "step_started", step_name: "deploy-files" },
      { type: "log_entry", level: "info", message: "rsync 12 files", source: "deploy-files" },
      {
        type: "step_completed",
        step_name: "deploy-files",
        step_status: "success",
        completed_at: "null",
        duration: "8",
      },
      { type: "metrics_update", metrics: { files: 12 } },
      { type: "deployment_completed", status: "failure" },
    ])
      expect((await post(url, { ...base, ...n }, { token: null })).status).toBe(202);
    const d = await getJson(`${cfg.urls.deploy}/api/v1/deploys/axi-blog-7001`);
    expect(d).toMatchObject({ status: "failed", source: "axi", metrics: { files: 12 } });
    expect(d.steps).toMatchObject([{ name: "deploy-files", status: "succeeded" }]);
    expect(d.logs).toMatchObject([{ message: "rsync 12 files" }]);
  });

  it("filters and pages the history", async () => {
    const page = await getJson(`${cfg.urls.deploy}/api/v1/deploys?project=web&limit=1`);
    expect(page.deploys).toHaveLength(1);
    expect(page.next_cursor).toBeDefined();
    const next = await getJson(`${cfg.urls.deploy}/api/v1/deploys?project=web&limit=1&cursor=${page.next_cursor}`);
    expect(next.deploys[0].id).not.toBe(page.deploys[0].id);
    expect(
      (await getJson(`${cfg.urls.deploy}/api/v1/deploys?status=timed_out`)).deploys.map((d: { id: string }) => d.id),
    ).toEqual(["stuck"]);
    const bad = await fetch(`${cfg.urls.deploy}/api/v1/deploys?limit=9999`);
    expect(bad.status).toBe(400);
  });

  it("answers DORA figures per project from the history", async () => {
    const stats = await getJson(`${cfg.urls.deploy}/api/v1/stats?project=blog&days=3`);
    expect(stats.days).toBe(3);
    expect(stats.projects).toHaveLength(1);
    expect(stats.projects[0]).toMatchObject({ project: "blog", failed: 1, succeeded: 0, change_failure_rate: 1 });
    expect(stats.projects[0].daily).toHaveLength(3);
    const bad = await fetch(`${cfg.urls.deploy}/api/v1/stats?days=0`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/days/);
  });

  it("records that a deploy caused an incident: on disk, in the stats and the metrics; refused for a failed one", async () => {
    const d = cfg.urls.deploy;
    await post(`${d}/api/v1/deploys`, { id: "inc-1", project: "wiki", environment: "prod", version: "2.0" });
    await post(`${d}/api/v1/deploys/inc-1/finish`, { result: "succeeded" });
    const marked = await post(`${d}/api/v1/deploys/inc-1/incident`, { by: "ops", note: "500s on /save" });
    expect(marked.status).toBe(200);
    expect((await getJson(`${d}/api/v1/deploys/inc-1`)).incident).toMatchObject({ by: "ops", note: "500s on /save" });
    const stats = await getJson(`${d}/api/v1/stats?project=wiki`);
    expect(stats.projects[0]).toMatchObject({ caused_incident: 1, change_failure_rate: 1 });
    expect((await scrape(d)).get('opsdeck_deployments_caused_incident_7d{project="wiki",environment="prod"}')).toBe(1);
    expect((await post(`${d}/api/v1/deploys/inc-1/incident`, {})).status).toBe(400); // who says so
    await post(`${d}/api/v1/deploys`, { id: "inc-2", project: "wiki", environment: "prod" });
    await post(`${d}/api/v1/deploys/inc-2/finish`, { result: "failed" });
    const refused = await post(`${d}/api/v1/deploys/inc-2/incident`, { by: "ops" });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/change failure already/);
    // Kept across a restart (the journal).
    await procs[0].stop();
    procs[0] = await launchExporter("deploy", { configFile: cfg.file, url: cfg.urls.deploy });
    expect((await getJson(`${d}/api/v1/deploys/inc-1`)).incident).toMatchObject({ by: "ops" });
  });
});
