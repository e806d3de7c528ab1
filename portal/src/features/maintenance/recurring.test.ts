import { describe, expect, it } from "vitest";
import { occurrences, occurrenceWindow, recurringRequestSchema, zonedInstant } from "./recurring.ts";

const sundays = recurringRequestSchema.parse({
  title: "Staging patching",
  scope: { environment: "staging" },
  weekdays: ["sunday"],
  start_time: "02:00",
  end_time: "04:00",
  time_zone: "Asia/Shanghai",
});

describe("recurring maintenance windows", () => {
  it("finds each occurrence in its time zone", () => {
    // Sunday 2026-12-06 02:00 in Shanghai is Saturday 18:00 UTC.
    const from = Date.UTC(2026, 11, 1);
    const found = occurrences(sundays, from, from + 14 * 86_400_000);
    expect(found.map((o) => [new Date(o.start).toISOString(), new Date(o.end).toISOString()])).toEqual([
      ["2026-12-05T18:00:00.000Z", "2026-12-05T20:00:00.000Z"],
      ["2026-12-12T18:00:00.000Z", "2026-12-12T20:00:00.000Z"],
    ]);
  });

  it("keeps the wall-clock time across a daylight-saving change", () => {
    // Berlin: 2026-03-29 02:00 becomes 03:00; a 04:00 window is 02:00 UTC after, 03:00 UTC before.
    expect(new Date(zonedInstant(2026, 2, 22, 4 * 60, "Europe/Berlin")).toISOString()).toBe("2026-03-22T03:00:00.000Z");
    expect(new Date(zonedInstant(2026, 2, 29, 4 * 60, "Europe/Berlin")).toISOString()).toBe("2026-03-29T02:00:00.000Z");
  });

  it("opens a running occurrence from now, for what is left of it", () => {
    const now = Date.UTC(2026, 11, 5, 19, 0);
    const [running] = occurrences(sundays, now, now + 86_400_000);
    expect(occurrenceWindow(sundays, running, now)).toEqual({
      title: "Staging patching",
      scope: { environment: "staging" },
      starts_at: "2026-12-05T19:00:00.000Z",
      minutes: 60,
    });
  });

  it("refuses a window that ends before it starts, an unknown zone, no weekday", () => {
    const bad = (change: object) =>
      recurringRequestSchema.safeParse({ ...sundays, ...change }).error?.issues.map((i) => i.path.join("."));
    expect(bad({ end_time: "01:00" })).toEqual(["end_time"]);
    expect(bad({ time_zone: "Mars/Olympus" })).toEqual(["time_zone"]);
    expect(bad({ weekdays: [] })).toEqual(["weekdays"]);
  });
});
