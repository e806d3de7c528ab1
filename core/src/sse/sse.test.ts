import { describe, expect, it } from "vitest";
import { comment, createSseParser, sseFrame } from "./index.ts";

describe("server-sent events", () => {
  it("parses what it frames, across chunk boundaries, skipping comments", () => {
    const text =
      sseFrame({ id: 7, event: "deploy", data: '{"a":1}' }) +
      comment("heartbeat") +
      sseFrame({ event: "progress", data: "line one\nline two" });
    const parse = createSseParser();
    const events = [...text].flatMap((char) => parse(char)); // one character at a time
    expect(events).toEqual([
      { id: "7", event: "deploy", data: '{"a":1}' },
      { id: undefined, event: "progress", data: "line one\nline two" },
    ]);
  });

  it("reads CRLF line endings and defaults the event name to message", () => {
    expect(createSseParser()("id: 1\r\ndata: x\r\n\r\n")).toEqual([{ id: "1", event: "message", data: "x" }]);
  });
});
