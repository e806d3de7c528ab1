import { projectStatsSchema } from "@opsdeck/contracts";
import { describe, expect, it } from "vitest";
import type { Deploy, DeployStatus } from "./model.ts";
import { deployStats } from "./stats.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 12);
const TODAY = Date.UTC(2026, 10, 22);
const deploy = (
  id: string,
  started: number,
  secs: number | undefined,
  status: DeployStatus,
  extra: Partial<Deploy> = {},
): Deploy => ({
  id,
  project: "shop",
  environment: "prod",
  source: "api",
  status,
  started_at: started,
  finished_at: secs === undefined ? undefined : started + secs * 1000,
  steps: [],
  logs: [],
  metrics: {},
  updated_at: started,
  ...extra,
});

describe("deploy stats", () => {
  const history = [
    deploy("a", TODAY - DAY + 1000, 60, "succeeded", { commit_at: TODAY - DAY - 3_599_000 }),
    deploy("b", TODAY + 1000, 120, "failed"),
    deploy("c", TODAY + 10_000, 30, "timed_out"),
    deploy("d", TODAY + 3_600_000, 90, "succeeded"),
    deploy("e", TODAY + 7_200_000, 10, "cancelled"),
    deploy("f", TODAY + 8_000_000, undefined, "running"),
    deploy("old", TODAY - 10 * DAY, 60, "failed"),
    deploy("api", TODAY, 60, "succeeded", { project: "api" }),
  ];

  it("computes DORA figures per project and environment over the window", () => {
    const projects = deployStats(history, { days: 7 }, NOW);
    expect(() => projectStatsSchema.array().parse(projects)).not.toThrow(); // the portal's contract
    const [api, shop] = projects;
    expect(api.project).toBe("api");
    expect(shop).toMatchObject({
      project: "shop",
      finished: 5,
      succeeded: 2,
      failed: 2,
      cancelled: 1,
      running: 1,
      deploys_per_day: 5 / 7,
      success_rate: 0.5,
      change_failure_rate: 0.5,
      caused_incident: 0,
      duration_p50_seconds: 60,
      duration_p90_seconds: 90,
      lead_time_avg_seconds: 3600 + 60,
    });
    // The streak began when c timed out (TODAY+40 s, before b's failure at +121 s); d restored at +1 h 90 s.
    expect(shop.time_to_restore_avg_seconds).toBe(3600 + 90 - 40);
  });

  it("counts a successful deploy that caused an incident as a change failure", () => {
    const marked = history.map((d) => (d.id === "d" ? { ...d, incident: { by: "ops", at: NOW } } : d));
    const [, shop] = deployStats(marked, { days: 7 }, NOW);
    expect(shop).toMatchObject({ caused_incident: 1, change_failure_rate: 0.75, success_rate: 0.5 });
  });

  it("gives one bucket per day, oldest first, with that day's results", () => {
    const [, shop] = deployStats(history, { days: 2 }, NOW);
    expect(shop.daily).toEqual([
      { day: new Date(TODAY - DAY).toISOString(), finished: 1, succeeded: 1, failed: 0, duration_p50_seconds: 60 },
      { day: new Date(TODAY).toISOString(), finished: 4, succeeded: 1, failed: 2, duration_p50_seconds: 90 },
    ]);
  });

  it("filters by project and leaves ratios undefined when nothing reached a verdict", () => {
    expect(deployStats(history, { days: 7, project: "api" }, NOW).map((s) => s.project)).toEqual(["api"]);
    const [only] = deployStats([deploy("x", TODAY, undefined, "running")], { days: 1 }, NOW);
    expect(only.success_rate).toBeUndefined();
    expect(only.duration_p50_seconds).toBeUndefined();
  });
});
