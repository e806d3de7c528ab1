import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openJournal } from "./journal.ts";

/** A tiny folded state: a running sum and the list of applied values. */
function sumState() {
  const s = { sum: 0, applied: [] as number[] };
  return {
    s,
    opts: {
      apply: (r: number) => {
        s.sum += r;
        s.applied.push(r);
      },
      load: (snap: { sum: number; applied: number[] }) => Object.assign(s, structuredClone(snap)),
      dump: () => structuredClone(s),
    },
  };
}

const dir = () => mkdtempSync(join(tmpdir(), "opsdeck-journal-"));

describe("journal", () => {
  it("replays what was appended, in order", async () => {
    const d = dir();
    const a = sumState();
    const j = await openJournal({ dir: d, name: "t", ...a.opts });
    for (const r of [1, 2, 3]) a.opts.apply(r);
    await j.append([1, 2, 3]);
    await Promise.all([4, 5].map((r) => (a.opts.apply(r), j.append([r]))));
    await j.close();
    const b = sumState();
    const j2 = await openJournal({ dir: d, name: "t", ...b.opts });
    expect(b.s.applied).toEqual([1, 2, 3, 4, 5]);
    expect(j2.stats.replayed).toBe(5);
    await j2.close();
  });

  it("keeps every concurrent append, numbered in order", async () => {
    const d = dir();
    const a = sumState();
    const j = await openJournal({ dir: d, name: "t", ...a.opts });
    await Promise.all(Array.from({ length: 500 }, (_, i) => j.append([i])));
    await j.close();
    const lines = readFileSync(join(d, "t.log"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(500);
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });

  it("cuts a torn last line (never acknowledged) and keeps the rest", async () => {
    const d = dir();
    const a = sumState();
    const j = await openJournal({ dir: d, name: "t", ...a.opts });
    await j.append([7, 8]);
    await j.close();
    appendFileSync(join(d, "t.log"), '{"seq":3,"r":10'); // a crash in the middle of a write
    const b = sumState();
    const j2 = await openJournal({ dir: d, name: "t", ...b.opts });
    expect(b.s.applied).toEqual([7, 8]);
    await j2.append([9]);
    await j2.close();
    const c = sumState();
    await (await openJournal({ dir: d, name: "t", ...c.opts })).close();
    expect(c.s.applied).toEqual([7, 8, 9]);
  });

  it("refuses to start on a corrupt line in the middle", async () => {
    const d = dir();
    writeFileSync(join(d, "t.log"), '{"seq":1,"r":1}\nnot json\n{"seq":3,"r":3}\n');
    await expect(openJournal({ dir: d, name: "t", ...sumState().opts })).rejects.toThrow(/line 2 is corrupt/);
  });

  it("compacts into a snapshot without applying anything twice", async () => {
    const d = dir();
    const a = sumState();
    const j = await openJournal({ dir: d, name: "t", ...a.opts, compactBytes: 200 });
    for (let i = 1; i <= 50; i++) {
      a.opts.apply(i);
      await j.append([i]);
    }
    await j.close();
    expect(readFileSync(join(d, "t.log"), "utf8").length).toBeLessThan(400);
    // A crash after the snapshot was written but before the log was cut: the old lines replay
    // as duplicates of what the snapshot holds, and must be skipped by sequence number.
    const snap = JSON.parse(readFileSync(join(d, "t.snapshot.json"), "utf8"));
    appendFileSync(join(d, "t.log"), `{"seq":${snap.seq},"r":1000}\n`);
    const b = sumState();
    await (await openJournal({ dir: d, name: "t", ...b.opts })).close();
    expect(b.s.sum).toBe((50 * 51) / 2);
  });
});
