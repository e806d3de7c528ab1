// The status page's data: daily bars placed on their days, and the public view holding nothing
// but display names, states and times.
import { describe, expect, it } from "vitest";
import { dailyValues, dayGradient, publicView, type StatusData } from "./view.ts";

const DAY = 86_400_000;

describe("status data", () => {
  it("puts each day's value (evaluated at its end) on that day; days without data are null", () => {
    const firstDay = Date.parse("2026-09-07T00:00:00Z");
    const values = dailyValues(
      {
        metric: { probe: "a" },
        values: [
          [(firstDay + DAY) / 1000, "1"],
          [(firstDay + 3 * DAY) / 1000, "0.5"],
          [(firstDay + 91 * DAY) / 1000, "0.1"], // past the last day: left out
        ],
      },
      firstDay,
      4,
    );
    expect(values).toEqual([1, null, 0.5, null]);
  });

  it("shows the public only public probes, by display name, and no scope or name behind them", () => {
    const data: StatusData = {
      at: 1,
      firstDay: 0,
      errors: [],
      probes: [
        { name: "shop-home", displayName: "网上商城", public: true, state: "maintenance", days: [1], uptime: 1 },
        { name: "admin-db", displayName: "admin-db", public: false, state: "down", days: [0], uptime: 0 },
      ],
      incidents: [
        {
          probe: "shop-home",
          kind: "down",
          start: 10,
          end: 20,
          notes: [{ id: "n", probe: "shop-home", incident_start: 10, text: "修复中", at: 15, by: "ops" }],
        },
        { probe: "admin-db", kind: "down", start: 10, notes: [] },
      ],
      windows: [
        {
          id: "w1",
          title: "升级",
          scope: { host: "10.0.0.5" },
          startsAt: "s",
          endsAt: "e",
          createdBy: "ops",
          state: "active",
          probes: ["shop-home", "admin-db"],
        },
        {
          id: "w2",
          title: "内部",
          scope: { probe: "admin-db" },
          startsAt: "s",
          endsAt: "e",
          createdBy: "ops",
          state: "active",
          probes: ["admin-db"],
        },
      ],
    };
    const view = publicView(data);
    expect(view).toEqual({
      at: 1,
      firstDay: 0,
      partial: false,
      probes: [{ displayName: "网上商城", state: "maintenance", days: [1], uptime: 1 }],
      incidents: [{ displayName: "网上商城", kind: "down", start: 10, end: 20, notes: [{ at: 15, text: "修复中" }] }],
      windows: [{ title: "升级", startsAt: "s", endsAt: "e", state: "active", displayNames: ["网上商城"] }],
    });
    const text = JSON.stringify(view);
    for (const internal of ["shop-home", "admin-db", "10.0.0.5", "ops", "内部"])
      expect([internal, text.includes(internal)]).toEqual([internal, false]);
  });
});

describe("the 90-day bar", () => {
  it("colours each run of like days once, from left to right", () => {
    const days = [null, null, 1, 1, 0.97, 1, 0.5, 1];
    expect(dayGradient(days)).toBe(
      "linear-gradient(to right, var(--line) 0% 25%, var(--ok) 25% 50%, var(--warn) 50% 62.5%, var(--ok) 62.5% 75%, var(--crit) 75% 87.5%, var(--ok) 87.5% 100%)",
    );
    // 90 days alike: one stop pair, not 90.
    expect(dayGradient(Array.from({ length: 90 }, () => 1))).toBe("linear-gradient(to right, var(--ok) 0% 100%)");
  });
});
