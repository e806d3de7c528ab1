import { describe, expect, it } from "vitest";
import { BoundedSet } from "./bounded-set.ts";

describe("BoundedSet", () => {
  it("forgets the oldest keys past its capacity, and keeps insertion order", () => {
    const s = new BoundedSet(3);
    expect(["a", "b", "c"].map((k) => s.add(k))).toEqual([true, true, true]);
    expect(s.add("b")).toBe(false);
    s.add("d");
    expect(s.has("a")).toBe(false);
    expect(s.values()).toEqual(["b", "c", "d"]);
    expect(s.size).toBe(3);
  });
});
