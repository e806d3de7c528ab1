// Pull collectors: on a node-cron schedule, fetch a JSON endpoint and set gauges from values at
// dotted paths in the answer.
import cron from "node-cron";
import type { CollectorDef, Logger } from "@opsdeck/core";
import type { EventRecord } from "./state.ts";

/** Reads a dotted path (array items by index) out of a JSON value. */
export function valueAtPath(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export interface CollectorHooks {
  /** Label order of a gauge, to turn a collector's labels into a record. */
  labelNames(metric: string): string[];
  accept(records: EventRecord[]): Promise<void>;
  result(collector: string, ok: boolean): void;
}

export async function collectOnce(c: CollectorDef, hooks: CollectorHooks): Promise<void> {
  const res = await fetch(c.url, { headers: c.headers, signal: AbortSignal.timeout(c.timeout_seconds * 1000) });
  if (!res.ok) throw new Error(`${c.url} answered ${res.status}`);
  const doc: unknown = await res.json();
  const records: EventRecord[] = c.values.map((v) => {
    const raw = valueAtPath(doc, v.path);
    const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
    if (typeof n !== "number" || !Number.isFinite(n))
      throw new Error(`${v.path}: expected a number, got ${JSON.stringify(raw)}`);
    return { m: v.metric, v: n, l: hooks.labelNames(v.metric).map((l) => v.labels[l] ?? "") };
  });
  await hooks.accept(records);
}

export function startCollectors(defs: CollectorDef[], hooks: CollectorHooks, log: Logger): () => void {
  const tasks = defs.map((c) => {
    if (!cron.validate(c.schedule)) throw new Error(`collector ${c.name}: invalid cron schedule "${c.schedule}"`);
    let running = false;
    return cron.schedule(c.schedule, async () => {
      if (running) return; // a slow endpoint never piles up runs
      running = true;
      try {
        await collectOnce(c, hooks);
        hooks.result(c.name, true);
      } catch (err) {
        hooks.result(c.name, false);
        log.warn("collector failed", { "opsdeck.collector": c.name, error: err });
      } finally {
        running = false;
      }
    });
  });
  return () => tasks.forEach((t) => void t.stop());
}
