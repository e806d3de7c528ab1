// The PM2 daemon's framing and the process-list splitter, fed in every possible split: what
// pm2's own encoder (amp-message, as the daemon uses it) writes is read back the same.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { encodeFrame, frameReader, objectSplitter } from "./wire.ts";

// The daemon's own encoder, from pm2's dependencies.
const requireFromPm2 = createRequire(createRequire(import.meta.url).resolve("pm2/package.json"));
const Message = requireFromPm2(
  requireFromPm2.resolve("amp-message", { paths: [requireFromPm2.resolve("pm2-axon")] }),
) as new (args: unknown[]) => { toBuffer(): Buffer };

/** Feeds `bytes` in pieces of `size` and returns what the reader saw. */
function read(bytes: Buffer, size: number, skip = new Set<number>()) {
  const seen: { args: string[]; frames: number } = { args: [], frames: 0 };
  const parts = new Map<number, Buffer[]>();
  const push = frameReader({
    argument: (index) => !skip.has(index),
    data: (index, chunk) => parts.set(index, [...(parts.get(index) ?? []), Buffer.from(chunk)]),
    end: (index) => {
      seen.args.push(Buffer.concat(parts.get(index) ?? []).toString());
      parts.delete(index);
    },
    frame: () => seen.frames++,
  });
  for (let at = 0; at < bytes.length; at += size) push(bytes.subarray(at, at + size));
  return seen;
}

const processes = [
  { name: "shop", pm_id: 0, pm2_env: { status: "online", env: { NOTE: 'a "quoted" {brace} [and] \\ backslash' } } },
  { name: "商店-worker", pm_id: 1, pm2_env: { status: "errored", env: { EMPTY: "", LIST: [1, { x: "}" }] } } },
  { name: "empty", pm_id: 2, pm2_env: {} },
  { name: "win", pm_id: 3, pm2_env: { env: { DIR: "C:\\\\apps\\\\", Q: '\\"}' } } },
];

describe("the PM2 daemon's wire", () => {
  it("reads frames as the daemon's encoder writes them, however the socket splits them", () => {
    const bytes = Buffer.concat([
      new Message([{ args: [processes] }, "id:1"]).toBuffer(),
      new Message(["process:event", { event: "online" }]).toBuffer(),
    ]);
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const seen = read(bytes, size);
      expect(seen.frames).toBe(2);
      expect(seen.args).toEqual([
        `j:${JSON.stringify({ args: [processes] })}`,
        "s:id:1",
        "s:process:event",
        'j:{"event":"online"}',
      ]);
    }
    // A skipped argument's bytes are passed over, and the next frame still reads.
    expect(read(bytes, 5, new Set([1])).args).toEqual([
      `j:${JSON.stringify({ args: [processes] })}`,
      "s:process:event",
    ]);
  });

  it("writes a call the daemon's decoder reads", () => {
    const call = { type: "call", method: "getMonitorData", args: [{}] };
    expect(encodeFrame([call, "opsdeck:0"])).toEqual(new Message([call, "opsdeck:0"]).toBuffer());
  });

  it("cuts the process list into its processes, across any split, strings and UTF-8 included", () => {
    const text = Buffer.from(`j:${JSON.stringify({ args: [processes] })}`);
    for (const size of [1, 2, 5, 13, text.length]) {
      const found: unknown[] = [];
      const split = objectSplitter(3, (json) => found.push(JSON.parse(json.toString("utf8"))));
      for (let at = 0; at < text.length; at += size) split(text.subarray(at, at + size));
      expect(found).toEqual(processes);
    }
    const none: unknown[] = [];
    objectSplitter(3, (json) => none.push(json))(Buffer.from('j:{"args":[[]]}'));
    expect(none).toEqual([]);
  });
});
