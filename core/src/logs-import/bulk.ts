// Creating documents in one index with `_bulk`: already-serialised documents are written into
// bodies of about `flushBytes`, `concurrency` of them in flight, and Elasticsearch is asked to
// answer with each item's status only (filter_path), not the ~200 bytes per item of a full
// answer. Items refused with 429 (its write queue is full) are sent again after a pause; any
// other refusal is counted as failed. Written for the importer, whose documents are strings
// already: the client's bulk helper serialises objects and parses whole answers, CPU the
// 2-core servers this runs on need for Elasticsearch itself.
import type { Client } from "@elastic/elasticsearch";
import { setTimeout as sleep } from "node:timers/promises";

const FILTER = "errors,items.*.status,items.*.error.type,items.*.error.reason";

interface BulkAnswer {
  errors: boolean;
  items?: Record<string, { status: number; error?: { type: string; reason?: string } }>[];
}

export interface BulkCounts {
  created: number;
  failed: number;
  /** The first refusal's type and reason, for the import's record. */
  firstError?: string;
}

/**
 * A _bulk body being filled: each item's action and document lines written straight into a
 * buffer, so the documents' strings die young. (Kept as strings until their body was answered,
 * ~12,000 per body outlived the young generation and the garbage collector became the
 * importer's largest cost.)
 */
class BulkBody {
  private readonly buffer: Buffer;
  private length = 0;
  /** Where each item starts. */
  private readonly starts: number[] = [];

  constructor(
    capacity: number,
    private readonly action: string,
  ) {
    this.buffer = Buffer.allocUnsafeSlow(capacity);
  }
  get bytes() {
    return this.length;
  }
  get items() {
    return this.starts.length;
  }
  get content(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
  /** An item as written (action line and document line), for sending again. */
  item(i: number): Buffer {
    return this.buffer.subarray(this.starts[i], this.starts[i + 1] ?? this.length);
  }

  /** Appends a document (or an item from another body); false, and nothing written, when it does not fit. */
  add(doc: string | Buffer): boolean {
    const free = this.buffer.length - this.length;
    if (typeof doc !== "string") {
      if (doc.length > free) return false;
      this.starts.push(this.length);
      this.length += doc.copy(this.buffer, this.length);
      return true;
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the exact size is counted only near the end.
    const most = this.action.length + doc.length * 3 + 1;
    if (most > free && this.action.length + Buffer.byteLength(doc) + 1 > free) return false;
    this.starts.push(this.length);
    this.length += this.buffer.write(this.action, this.length, "latin1");
    this.length += this.buffer.write(doc, this.length);
    this.buffer[this.length++] = 0x0a;
    return true;
  }
}

/** The bytes a body needs for `doc` alone. */
const itemBytes = (action: string, doc: string) => action.length + Buffer.byteLength(doc) + 1;

export async function bulkCreate(opts: {
  client: Client;
  index: string;
  /** Serialised documents, in batches of any size. */
  docs: AsyncIterable<string[]>;
  signal?: AbortSignal;
  flushBytes?: number;
  concurrency?: number;
  /** How often items refused with 429 are sent again, and the first pause (doubling). */
  retries?: number;
  retryPauseMs?: number;
  /** Called after each answer with the counts so far. */
  onProgress?: (counts: BulkCounts) => void;
}): Promise<BulkCounts> {
  const { client, index, signal } = opts;
  const flushBytes = opts.flushBytes ?? 5_000_000;
  const concurrency = opts.concurrency ?? 2;
  // Room past flushBytes, so a body is rarely full before it is due.
  const capacity = Math.ceil(flushBytes * 1.25);
  const action = `${JSON.stringify({ create: { _index: index } })}\n`;
  const counts: BulkCounts = { created: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;

  async function send(first: BulkBody): Promise<void> {
    let body = first;
    for (let attempt = 0; body.items > 0; attempt++) {
      const answer = (await client.transport.request(
        {
          method: "POST",
          path: `/${encodeURIComponent(index)}/_bulk`,
          querystring: { filter_path: FILTER },
          bulkBody: body.content,
        },
        { signal },
      )) as BulkAnswer;
      const again = new BulkBody(body.bytes, action);
      if (!answer.errors) counts.created += body.items;
      else
        (answer.items ?? []).forEach((item, i) => {
          const result = Object.values(item)[0];
          if (result.status < 300) counts.created++;
          else if (result.status === 429 && attempt < (opts.retries ?? 3)) again.add(body.item(i));
          else {
            counts.failed++;
            counts.firstError ??= `${result.error?.type}: ${result.error?.reason ?? ""}`.trim();
          }
        });
      opts.onProgress?.({ ...counts });
      body = again;
      if (body.items > 0) await sleep((opts.retryPauseMs ?? 1000) * 2 ** attempt, undefined, { signal });
    }
  }
  const start = (body: BulkBody) => {
    const sending: Promise<void> = send(body)
      .catch((err: unknown) => void (failure ??= err))
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };

  let body = new BulkBody(capacity, action);
  const flush = async () => {
    start(body);
    body = new BulkBody(capacity, action);
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
  };
  try {
    for await (const docs of opts.docs) {
      if (failure !== undefined || signal?.aborted) break;
      for (const doc of docs) {
        if (!body.add(doc)) {
          if (body.items > 0) await flush();
          // A document larger than a whole body goes alone, in a body of its own size.
          if (!body.add(doc)) {
            body = new BulkBody(itemBytes(action, doc), action);
            body.add(doc);
          }
        }
        if (body.bytes >= flushBytes) await flush();
      }
    }
    if (body.items > 0 && failure === undefined && !signal?.aborted) start(body);
  } finally {
    // What was sent is counted before anything is reported, even when the documents stopped.
    await Promise.all(inFlight);
  }
  if (failure !== undefined) throw failure;
  return counts;
}
