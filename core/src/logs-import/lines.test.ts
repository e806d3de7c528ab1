import { describe, expect, it } from "vitest";
import { splitLines } from "./import.ts";

async function* chunks(...parts: (string | Buffer)[]) {
  for (const p of parts) yield Buffer.isBuffer(p) ? p : Buffer.from(p);
}
const collect = async (source: AsyncIterable<Buffer>, max: number) => {
  const out: { text: string; cut: boolean }[] = [];
  for await (const lines of splitLines(source, max, () => {})) out.push(...lines);
  return out;
};

describe("splitting an import into lines", () => {
  it("splits across chunks, drops \\r before \\n, keeps a last line without a newline", async () => {
    expect(await collect(chunks("a\r\nb", "c\n", "\nlast"), 100)).toEqual([
      { text: "a", cut: false },
      { text: "bc", cut: false },
      { text: "", cut: false },
      { text: "last", cut: false },
    ]);
  });

  it("cuts a line at the cap and drops the rest as it streams by, then goes on", async () => {
    // 64 MiB without a newline, then a normal line: only the cap is ever held.
    const big = Buffer.alloc(1 << 20, "x");
    async function* source() {
      for (let i = 0; i < 64; i++) yield big;
      yield Buffer.from("\nnext line\n");
    }
    const lines = await collect(source(), 1024);
    expect(lines.map((l) => [l.text.length, l.cut])).toEqual([
      [1024, true],
      [9, false],
    ]);
  });
});
