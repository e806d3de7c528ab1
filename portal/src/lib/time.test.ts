import { describe, expect, it } from "vitest";
import { axisTimes, clockTime, dateTime, durationText, fitRange, validTimeZone } from "./time.ts";

const zh = { lang: "zh-CN", timeZone: "Asia/Shanghai" } as const;
const en = { lang: "en", timeZone: "UTC" } as const;
const at = Date.UTC(2026, 11, 1, 11, 33, 12);

describe("dates and times in the reader's locale and zone", () => {
  it("writes zh-CN dates as 2026/12/01 19:33:12, 24-hour, in the reader's zone", () => {
    expect(dateTime(at, zh)).toBe("2026/12/01 19:33:12");
    expect(clockTime(at, zh)).toBe("19:33:12");
  });
  it("writes English dates 24-hour too", () => {
    expect(dateTime(at, en)).toBe("12/01/2026, 11:33:12");
    expect(dateTime(Date.UTC(2026, 11, 1, 23, 5, 0), en)).toBe("12/01/2026, 23:05:00");
  });
  it("labels a chart's axis with hours and the date where the day changes", () => {
    const ticks = [Date.UTC(2026, 11, 1, 15) / 1000, Date.UTC(2026, 11, 1, 16) / 1000];
    expect(axisTimes(ticks, 3600, zh)).toEqual(["23:00\n12/01", "00:00\n12/02"]);
    expect(axisTimes(ticks, 3600, en)).toEqual(["15:00\n12/01", "16:00"]);
    expect(axisTimes([Date.UTC(2026, 11, 2) / 1000], 86_400, zh)).toEqual(["12/02"]);
    // Thirty seconds apart: with seconds, so no two labels read the same.
    const close = [0, 30].map((s) => Date.UTC(2026, 11, 1, 11, 21, s) / 1000);
    expect(axisTimes(close, 30, zh)).toEqual(["19:21:00\n12/01", "19:21:30"]);
  });
  it("refuses a time zone the runtime does not know", () => {
    expect(validTimeZone("Asia/Shanghai")).toBe("Asia/Shanghai");
    expect(validTimeZone("Mars/Olympus")).toBeUndefined();
    expect(validTimeZone(undefined)).toBeUndefined();
  });
});

describe("durations as people write them", () => {
  it("says 45m, not 2700s, in both languages", () => {
    expect(durationText(2700, "en")).toBe("45m");
    expect(durationText(5400, "en")).toBe("1h 30m");
    expect(durationText(90_061, "en")).toBe("1d 1h 1m 1s");
    expect(durationText(30, "en")).toBe("30s");
    expect(durationText(0, "en")).toBe("0s");
    expect(durationText(2700, "zh-CN")).toBe("45 分钟");
    expect(durationText(5400, "zh-CN")).toBe("1 小时 30 分钟");
  });
  it("keeps only the largest units when asked, and marks a missing value", () => {
    expect(durationText(3 * 86_400 + 4 * 3600 + 59, "en", 2)).toBe("3d 4h");
    expect(durationText(86_400 + 30, "en", 2)).toBe("1d");
    expect(durationText(0.35, "zh-CN")).toBe("0.35 秒");
    expect(durationText(undefined, "en")).toBe("–");
  });
});

describe("chart ranges fitted to the data there is", () => {
  it("starts at the first sample, with a margin, when it comes well into the range", () => {
    const six = [0, 6 * 3600] as [number, number];
    expect(fitRange(six, 5 * 3600)).toEqual({ range: [5 * 3600 - 180, 6 * 3600], since: 5 * 3600 });
  });
  it("keeps the chosen range when the data fills it, or when there is none", () => {
    const six = [0, 6 * 3600] as [number, number];
    expect(fitRange(six, 600)).toEqual({ range: six });
    expect(fitRange(six, undefined)).toEqual({ range: six });
  });
});
