// Reading an event stream: the portal's upstreams (the deploy exporter's and the notifier's
// streams) and every test that listens to one.

export interface ParsedEvent {
  id?: string;
  event: string;
  data: string;
}

/** An incremental parser: feed it text as it arrives; it returns the events completed so far. */
export function createSseParser(): (text: string) => ParsedEvent[] {
  let buffer = "";
  return (text) => {
    buffer += text.replace(/\r\n?/g, "\n");
    const events: ParsedEvent[] = [];
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id: string | undefined;
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (!line || line.startsWith(":")) continue; // comments: heartbeats
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") id = value;
        else if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length) events.push({ id, event, data: data.join("\n") });
    }
    return events;
  };
}

/** The events of a stream's body, as they arrive, until it ends or the caller stops. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<ParsedEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parse = createSseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield* parse(decoder.decode(value, { stream: true }));
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Follows an upstream stream for good: reconnects with backoff (0.5 s → 10 s) and resumes from
 * the last event id it saw, so a blip loses nothing the upstream still holds.
 */
export async function followSse(
  url: string,
  onEvent: (event: ParsedEvent) => void,
  signal?: AbortSignal,
  /** Resume after this event (another follower's last), not from now. */
  fromId?: string,
): Promise<void> {
  let backoffMs = 500;
  let lastId: string | undefined = fromId;
  while (!signal?.aborted) {
    try {
      const res = await fetch(url, {
        headers: { accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) },
        signal,
      });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      backoffMs = 500;
      for await (const event of readSse(res.body)) {
        lastId = event.id ?? lastId;
        onEvent(event);
      }
    } catch {
      /* upstream down: retry below */
    }
    await new Promise((resolve) => setTimeout(resolve, backoffMs));
    backoffMs = Math.min(backoffMs * 2, 10_000);
  }
}
