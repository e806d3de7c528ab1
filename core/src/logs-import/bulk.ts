// Creating documents in one index with `_bulk`: already-serialised documents are joined into
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
  const action = `${JSON.stringify({ create: { _index: index } })}\n`;
  const counts: BulkCounts = { created: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;

  async function send(docs: string[]): Promise<void> {
    let pending = docs;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const answer = (await client.transport.request(
        {
          method: "POST",
          path: `/${encodeURIComponent(index)}/_bulk`,
          querystring: { filter_path: FILTER },
          bulkBody: `${action}${pending.join(`\n${action}`)}\n`,
        },
        { signal },
      )) as BulkAnswer;
      const again: string[] = [];
      if (!answer.errors) counts.created += pending.length;
      else
        (answer.items ?? []).forEach((item, i) => {
          const result = Object.values(item)[0];
          if (result.status < 300) counts.created++;
          else if (result.status === 429 && attempt < (opts.retries ?? 3)) again.push(pending[i]);
          else {
            counts.failed++;
            counts.firstError ??= `${result.error?.type}: ${result.error?.reason ?? ""}`.trim();
          }
        });
      opts.onProgress?.({ ...counts });
      pending = again;
      if (pending.length > 0) await sleep((opts.retryPauseMs ?? 1000) * 2 ** attempt, undefined, { signal });
    }
  }
  const start = (docs: string[]) => {
    const sending: Promise<void> = send(docs)
      .catch((err: unknown) => void (failure ??= err))
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };

  let batch: string[] = [];
  let bytes = 0;
  try {
    for await (const docs of opts.docs) {
      if (failure !== undefined || signal?.aborted) break;
      for (const doc of docs) {
        batch.push(doc);
        bytes += doc.length + action.length + 1;
        if (bytes < flushBytes) continue;
        start(batch);
        batch = [];
        bytes = 0;
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
      }
    }
    if (batch.length > 0 && failure === undefined && !signal?.aborted) start(batch);
  } finally {
    // What was sent is counted before anything is reported, even when the documents stopped.
    await Promise.all(inFlight);
  }
  if (failure !== undefined) throw failure;
  return counts;
}
