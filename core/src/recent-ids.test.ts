import { describe, expect, it } from "vitest";
import { RecentIds } from "./recent-ids.ts";

/** The same operations on plain strings: what RecentIds must answer. */
function reference(capacity: number) {
  const order: string[] = [];
  return {
    add(id: string) {
      if (order.includes(id)) return false;
      order.push(id);
      if (order.length > capacity) order.shift();
      return true;
    },
    has: (id: string) => order.includes(id),
    get size() {
      return order.length;
    },
  };
}

describe("RecentIds", () => {
  it("forgets the oldest ids past its capacity, and says which were seen", () => {
    const ids = new RecentIds(3);
    expect(["a", "b", "c"].map((id) => ids.add(id))).toEqual([true, true, true]);
    expect(ids.add("b")).toBe(false);
    ids.add("d");
    expect([ids.has("a"), ids.has("b"), ids.has("d")]).toEqual([false, true, true]);
    expect(ids.size).toBe(3);
  });

  it("answers as a plain set would through many evictions and crowded slots", () => {
    // A small capacity wraps the ring hundreds of times, and ids drawn from a small pool
    // repeat, so lookups cross the slots that evictions shift back.
    for (const capacity of [1, 2, 7, 64]) {
      const ids = new RecentIds(capacity, "0123456789abcdef");
      const model = reference(capacity);
      const got: string[] = [];
      const want: string[] = [];
      let seed = capacity;
      for (let i = 0; i < 20_000; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const id = `order-${seed % (capacity * 3)}`;
        got.push(`${i} ${id} ${ids.add(id)} ${ids.size}`);
        want.push(`${i} ${id} ${model.add(id)} ${model.size}`);
      }
      for (let n = 0; n < capacity * 3; n++) {
        got.push(`has order-${n} ${ids.has(`order-${n}`)}`);
        want.push(`has order-${n} ${model.has(`order-${n}`)}`);
      }
      expect(got).toEqual(want);
    }
  });

  it("comes back from its dump with the same ids, and a smaller one keeps the newest", () => {
    const ids = new RecentIds(1000);
    for (let i = 0; i < 1500; i++) ids.add(`e${i}`);
    const dump = JSON.parse(JSON.stringify(ids.dump()));
    const same = RecentIds.load(1000, dump);
    expect(same.size).toBe(1000);
    expect([same.has("e499"), same.has("e500"), same.has("e1499")]).toEqual([false, true, true]);
    expect(same.add("e1500")).toBe(true);
    expect(same.has("e500")).toBe(false);
    const smaller = RecentIds.load(10, dump);
    expect([smaller.has("e1489"), smaller.has("e1490"), smaller.has("e1499")]).toEqual([false, true, true]);
  });

  it("hashes with its own key: the same id lands elsewhere under another key", () => {
    const a = new RecentIds(10, "0000000000000001").dump();
    const b = new RecentIds(10, "0000000000000002").dump();
    const one = RecentIds.load(10, a);
    one.add("x");
    const two = RecentIds.load(10, b);
    two.add("x");
    expect(one.dump().hashes).not.toBe(two.dump().hashes);
    expect(() => new RecentIds(10, "not hex")).toThrow(/16 hex digits/);
  });
});
