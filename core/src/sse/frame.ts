// The Server-Sent Events wire format (https://html.spec.whatwg.org/multipage/server-sent-events.html),
// written in one place: every producer in OpsDeck frames events and sets headers with these.

export interface SseMessage {
  id?: string | number;
  event?: string;
  /** Already serialised (JSON, one line); a multi-line string becomes several data: lines. */
  data: string;
}

/** Headers of every event stream: never cached, never buffered by a proxy (nginx honours x-accel-buffering). */
export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
  "x-content-type-options": "nosniff",
} as const;

/** The first frame of every stream: how long a browser waits before it reconnects. */
export const RETRY_FRAME = "retry: 2000\n\n";

/** A comment line: keeps proxies from closing an idle stream; clients ignore it. */
export const comment = (text: string) => `: ${text}\n\n`;

export function sseFrame(message: SseMessage): string {
  let frame = "";
  if (message.id !== undefined) frame += `id: ${message.id}\n`;
  if (message.event) frame += `event: ${message.event}\n`;
  for (const line of message.data.split("\n")) frame += `data: ${line}\n`;
  return `${frame}\n`;
}
