import { deployViewSchema } from "@opsdeck/contracts";
import { describe, expect, it } from "vitest";
import { render } from "../lib/series.ts";
import type { DeployRecord } from "./model.ts";
import { createDeployState, view } from "./state.ts";

const H = 3600_000;
const info = { project: "shop", environment: "prod" };
const start = (id: string, at: number, extra = {}): DeployRecord => ({
  id,
  at,
  source: "api",
  t: "start",
  info: { ...info, started_at: at, ...extra },
});
const finish = (id: string, at: number, result: "succeeded" | "failed"): DeployRecord => ({
  id,
  at,
  source: "api",
  t: "finish",
  result,
  finished_at: at,
});
const metric = (text: string, line: string) =>
  text
    .split("\n")
    .find((l) => l.startsWith(line + " "))
    ?.split(" ")
    .at(-1);

describe("deploy state", () => {
  it("counts results, durations, lead time and time to restore", () => {
    const s = createDeployState({ historyLimit: 100, logLines: 10 });
    s.apply(start("a", 0, { commit_at: -2 * H }));
    s.apply(finish("a", 60_000, "succeeded"));
    s.apply(start("b", 1 * H));
    s.apply(finish("b", 1 * H + 120_000, "failed"));
    s.apply(start("c", 2 * H));
    s.apply(finish("c", 2 * H + 60_000, "failed"));
    s.apply(start("d", 3 * H));
    s.apply(finish("d", 3 * H + 120_000, "succeeded"));
    const text = render(s.families());
    const pe = 'project="shop",environment="prod"';
    expect(metric(text, `opsdeck_deployments_total{${pe},result="succeeded"}`)).toBe("2");
    expect(metric(text, `opsdeck_deployments_total{${pe},result="failed"}`)).toBe("2");
    expect(metric(text, `opsdeck_deployment_duration_seconds_sum{${pe},result="failed"}`)).toBe("180");
    expect(metric(text, `opsdeck_deployment_lead_time_seconds_sum{${pe}}`)).toBe(String(2 * 3600 + 60));
    // Restored from the first failure (b finished at 1h+2m) to the next success (3h+2m).
    expect(metric(text, `opsdeck_deployment_time_to_restore_seconds_sum{${pe}}`)).toBe("7200");
    expect(metric(text, `opsdeck_deployment_failing{${pe}}`)).toBe("0");
    expect(metric(text, `opsdeck_deployments_in_progress{${pe}}`)).toBe("0");
  });

  it("ignores a repeated event id and a second finish", () => {
    const s = createDeployState({ historyLimit: 100, logLines: 10 });
    expect(s.apply({ ...start("a", 0), event_id: "e1" }).type).toBe("started");
    expect(s.apply({ ...start("a", 0), event_id: "e1" }).type).toBe("duplicate");
    expect(s.apply(finish("a", 10, "failed")).type).toBe("finished");
    expect(s.apply(finish("a", 20, "succeeded")).type).toBe("duplicate");
    expect(s.get("a")!.status).toBe("failed");
    expect(metric(render(s.families()), 'opsdeck_deploy_events_total{source="api"}')).toBe("2");
  });

  it("updates steps in place, keeps the last log lines, and closes open steps on finish", () => {
    const s = createDeployState({ historyLimit: 100, logLines: 3 });
    s.apply(start("a", 0));
    s.apply({ id: "a", at: 1, source: "api", t: "step", step: { name: "build", status: "running", started_at: 1 } });
    s.apply({ id: "a", at: 2, source: "api", t: "step", step: { name: "build", status: "succeeded", finished_at: 2 } });
    s.apply({ id: "a", at: 3, source: "api", t: "step", step: { name: "restart", status: "running" } });
    s.apply({
      id: "a",
      at: 4,
      source: "api",
      t: "log",
      lines: [1, 2, 3, 4].map((i) => ({ ts: i, level: "info", message: `l${i}` })),
    });
    s.apply(finish("a", 5, "failed"));
    const d = s.get("a")!;
    expect(d.steps).toEqual([
      { name: "build", status: "succeeded", started_at: 1, finished_at: 2 },
      { name: "restart", status: "cancelled", finished_at: 5 },
    ]);
    expect(d.logs.map((l) => l.message)).toEqual(["l2", "l3", "l4"]);
  });

  it("pages newest first with a cursor and filters", () => {
    const s = createDeployState({ historyLimit: 100, logLines: 10 });
    for (let i = 0; i < 7; i++)
      s.apply({
        ...start(`d${i}`, i * 1000),
        info: { ...info, environment: i % 2 ? "prod" : "staging", started_at: i * 1000 },
      });
    const q = { limit: 3 } as const;
    const p1 = s.query(q);
    expect(p1.deploys.map((d) => d.id)).toEqual(["d6", "d5", "d4"]);
    const p2 = s.query({ ...q, cursor: p1.next_cursor });
    expect(p2.deploys.map((d) => d.id)).toEqual(["d3", "d2", "d1"]);
    const p3 = s.query({ ...q, cursor: p2.next_cursor });
    expect(p3.deploys.map((d) => d.id)).toEqual(["d0"]);
    expect(p3.next_cursor).toBeUndefined();
    expect(s.query({ limit: 10, environment: "prod" }).deploys.map((d) => d.id)).toEqual(["d5", "d3", "d1"]);
  });

  it("drops the oldest finished deploys past the history limit, but not the counters", () => {
    const s = createDeployState({ historyLimit: 2, logLines: 10 });
    for (let i = 0; i < 4; i++) {
      s.apply(start(`d${i}`, i));
      s.apply(finish(`d${i}`, i + 1, "succeeded"));
    }
    expect([...s.deploys.keys()].sort()).toEqual(["d2", "d3"]);
    expect(
      metric(render(s.families()), 'opsdeck_deployments_total{project="shop",environment="prod",result="succeeded"}'),
    ).toBe("4");
  });

  it("survives a dump and load as JSON with the same metrics", () => {
    const s = createDeployState({ historyLimit: 100, logLines: 10 });
    s.apply(start("a", 0));
    s.apply(finish("a", 1000, "failed"));
    s.apply(start("b", 2000));
    const copy = createDeployState({ historyLimit: 100, logLines: 10 });
    copy.load(JSON.parse(JSON.stringify(s.dump())));
    expect(render(copy.families())).toBe(render(s.families()));
    // The failing streak carries over: the next success measures time to restore from the first failure.
    s.apply(finish("b", 5000, "succeeded"));
    copy.apply(finish("b", 5000, "succeeded"));
    expect(render(copy.families())).toBe(render(s.families()));
  });
});

describe("deploy view", () => {
  it("is exactly the contract the portal reads: ISO times, durations, steps and logs", () => {
    const s = createDeployState({ historyLimit: 100, logLines: 10 });
    const t = Date.UTC(2026, 0, 1);
    s.apply(start("v", t, { version: "1.2.3", commit: "abc1234", commit_at: t - H }));
    s.apply({
      id: "v",
      at: t + 1000,
      source: "api",
      t: "step",
      step: { name: "build", status: "running", started_at: t },
    });
    s.apply({
      id: "v",
      at: t + 2000,
      source: "api",
      t: "log",
      lines: [{ ts: t + 2000, level: "info", message: "ok" }],
    });
    s.apply(finish("v", t + 60_000, "succeeded"));
    const shown = deployViewSchema.parse(view(s.get("v")!));
    expect(shown).toMatchObject({
      started_at: "2026-01-01T00:00:00.000Z",
      duration_seconds: 60,
      lead_time_seconds: 3660,
      steps: [{ name: "build", started_at: "2026-01-01T00:00:00.000Z" }],
      logs: [{ ts: "2026-01-01T00:00:02.000Z", message: "ok" }],
    });
  });
});

describe("a deploy that caused an incident", () => {
  const mark = (id: string, caused: boolean): DeployRecord => ({
    id,
    at: Date.now(),
    source: "api",
    t: "incident",
    caused,
    by: "ops",
    note: "checkout 500s",
  });

  it("is shown, counted in the week's change failures, and can be taken back", () => {
    const s = createDeployState({ historyLimit: 100, logLines: 10 });
    const now = Date.now();
    s.apply(start("ok", now - 2 * H));
    s.apply(finish("ok", now - 2 * H + 60_000, "succeeded"));
    s.apply(start("old", now - 9 * 24 * H));
    s.apply(finish("old", now - 9 * 24 * H + 60_000, "succeeded"));
    const pe = 'project="shop",environment="prod"';
    const gauge = () => metric(render(s.families()), `opsdeck_deployments_caused_incident_7d{${pe}}`);
    expect(gauge()).toBe("0");
    s.apply(mark("ok", true));
    s.apply(mark("old", true)); // finished 9 days ago: outside the week
    expect(view(s.get("ok")!).incident).toMatchObject({ by: "ops", note: "checkout 500s" });
    expect(deployViewSchema.safeParse(view(s.get("ok")!)).success).toBe(true);
    expect(gauge()).toBe("1");
    s.apply(mark("ok", false));
    expect(view(s.get("ok")!).incident).toBeUndefined();
    expect(gauge()).toBe("0");
  });

  it("cannot be said of a failed or running deploy (a failed one counts already)", () => {
    const s = createDeployState({ historyLimit: 100, logLines: 10 });
    s.apply(start("bad", 0));
    s.apply(finish("bad", 60_000, "failed"));
    s.apply(start("running", H));
    expect(s.apply(mark("bad", true)).type).toBe("duplicate");
    expect(s.apply(mark("running", true)).type).toBe("duplicate");
    expect(s.get("bad")!.incident).toBeUndefined();
  });
});
