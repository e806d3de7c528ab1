// GET /api/logs/tail?<search filters> — Server-Sent Events: each new line as `event: line`,
// polled every second (see lib/logs/tail.ts). Reconnecting with Last-Event-ID (the last line's
// time) resumes from there; the page drops a line it already shows.
import { errorResponse, parseSearch } from "@/features/logs/http.ts";
import { parseQuery } from "@/features/logs/query.ts";
import { createTail } from "@/features/logs/tail.ts";
import { comment, RETRY_FRAME, SSE_HEADERS, sseFrame } from "@opsdeck/core/sse";

export async function GET(req: Request) {
  let tail;
  try {
    const s = parseSearch(req.url);
    parseQuery(s.q); // a bad query is a 400 now, not an error event later
    const last = Number(req.headers.get("last-event-id"));
    tail = createTail(s, Number.isFinite(last) && last > 0 ? last : Date.now());
  } catch (err) {
    return errorResponse(err);
  }
  const enc = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      // The client may leave while a poll runs: after that, nothing more is sent.
      const send = (frame: string) => {
        if (closed) return;
        try {
          controller.enqueue(enc.encode(frame));
        } catch {
          closed = true; // cancelled between the check and the write
        }
      };
      send(RETRY_FRAME);
      const tick = async () => {
        if (closed) return;
        try {
          const lines = await tail.poll();
          for (const line of lines)
            send(sseFrame({ id: Date.parse(line.ts), event: "line", data: JSON.stringify(line) }));
          if (!lines.length) send(comment("idle"));
        } catch (err) {
          send(sseFrame({ event: "failure", data: JSON.stringify({ error: (err as Error).message }) }));
        }
        if (!closed) timer = setTimeout(() => void tick(), 1000);
      };
      void tick();
    },
    cancel() {
      closed = true;
      clearTimeout(timer);
    },
  });
  return new Response(stream, {
    headers: SSE_HEADERS,
  });
}
