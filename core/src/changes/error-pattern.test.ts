import { describe, expect, it } from "vitest";
import { ERROR_PATTERN_MAX, errorPattern } from "./error-pattern.ts";

describe("errorPattern", () => {
  it("masks what differs between two occurrences of one error", () => {
    expect(errorPattern("PaymentError: payment 1 declined")).toBe(errorPattern("PaymentError: payment 731 declined"));
    expect(errorPattern('user "alice" not found')).toBe('user "<v>" not found');
    expect(errorPattern("order 3f2b8c1e-9d4a-4b7e-8f00-123456789abc lost")).toBe("order <id> lost");
    expect(errorPattern("bad pointer 0xdeadbeef at 5f3a9c2e1b")).toBe("bad pointer <hex> at <hex>");
    expect(errorPattern("took 12.5 ms")).toBe("took <n> ms");
  });

  it("keeps words, even long ones made of hex letters, and only the first line", () => {
    expect(errorPattern("Error: deadbeefcafe failed")).toBe("Error: deadbeefcafe failed");
    expect(errorPattern("TypeError: x is undefined\n    at render (/app/web.js:7:3)")).toBe(
      "TypeError: x is undefined",
    );
  });

  it("tells different errors apart and is bounded", () => {
    expect(errorPattern("PaymentError: declined")).not.toBe(errorPattern("PaymentError: timeout"));
    expect(errorPattern("x".repeat(1000)).length).toBe(ERROR_PATTERN_MAX);
  });
});
