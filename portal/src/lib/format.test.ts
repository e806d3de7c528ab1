import { describe, expect, it } from "vitest";
import { durationText } from "./format.ts";

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
});
