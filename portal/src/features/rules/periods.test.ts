import { describe, expect, it } from "vitest";
import { durationMs, EDGE_LABEL, edgePeriods, firingPeriods } from "./periods.ts";

const STEP = 15_000;
/** A series present at these step numbers (seconds = step × 15). */
const series = (labels: Record<string, string>, steps: number[]) => ({
  metric: labels,
  values: steps.map((s) => [(s * STEP) / 1000, "1"] as [number, string]),
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("a backtest's firing periods (Prometheus' `for`)", () => {
  it("fires a run that lasts `for`, at the first step `for` after its start, and resolves the step after it", () => {
    // Steps 10–30 hold (5 min), `for` 2 min = 8 steps: fires at step 18, resolves at 31.
    const periods = firingPeriods([series({ a: "1" }, range(10, 30))], STEP, 120_000, 1000 * STEP);
    expect(periods).toEqual([{ labels: { a: "1" }, start: 18 * STEP, end: 31 * STEP }]);
  });

  it("does not fire a run shorter than `for`; a missing step resets it", () => {
    const steps = [...range(0, 6), ...range(8, 14)]; // 7 steps, a gap, 7 steps: never 8 in a row
    expect(firingPeriods([series({}, steps)], STEP, 120_000, 100 * STEP)).toEqual([]);
  });

  it("fires at once without `for`, keeps series apart, merges a series split over range pieces", () => {
    const periods = firingPeriods(
      [series({ a: "1" }, range(0, 2)), series({ a: "2" }, [5]), series({ a: "1" }, range(3, 4))],
      STEP,
      0,
      100 * STEP,
    );
    expect(periods).toEqual([
      { labels: { a: "1" }, start: 0, end: 5 * STEP },
      { labels: { a: "2" }, start: 5 * STEP, end: 6 * STEP },
    ]);
  });

  it("leaves the end open for a run still holding at the range's last step", () => {
    expect(firingPeriods([series({}, range(90, 100))], STEP, 0, 100 * STEP)).toEqual([
      { labels: {}, start: 90 * STEP },
    ]);
  });

  it("finds the same periods from the firing edges alone as from every step (random runs, gaps, `for`)", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const last = 2000;
    for (const forSteps of [0, 1, 8, 40]) {
      const everyStep = [];
      const firingAtFirst = [];
      const edges = [];
      for (let n = 0; n < 20; n++) {
        const labels = { s: String(n) };
        // Held from step 1 on (a run before the range is the one case the two ways differ on:
        // Prometheus' edges know it, every step of the range alone does not).
        const held = range(1, last).filter(() => random() < (n % 2 ? 0.97 : 0.5));
        everyStep.push(series(labels, held));
        // What firingQuery and edgesQuery return: firing at t when the last forSteps + 1 steps held.
        const has = new Set(held);
        const firing = new Set(range(0, last).filter((t) => range(t - forSteps, t).every((u) => has.has(u))));
        if (firing.has(0)) firingAtFirst.push(series(labels, [0]));
        const starts = range(1, last).filter((t) => firing.has(t) && !firing.has(t - 1));
        const ends = range(1, last).filter((t) => !firing.has(t) && firing.has(t - 1));
        edges.push(series({ ...labels, [EDGE_LABEL]: "start" }, starts));
        edges.push(series({ ...labels, [EDGE_LABEL]: "end" }, ends));
      }
      const opts = { first: 0, last: last * STEP, stepMs: STEP };
      const expected = firingPeriods(everyStep, STEP, forSteps * STEP, opts.last);
      expect(expected.length, `for ${forSteps} steps`).toBeGreaterThan(0);
      expect(edgePeriods(firingAtFirst, edges, opts)).toEqual(expected);
    }
  });

  it("reads Prometheus durations", () => {
    expect(durationMs("1h30m")).toBe(5_400_000);
    expect(durationMs("0s")).toBe(0);
    expect(durationMs("2d")).toBe(172_800_000);
  });
});
