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

/** A URL as logs may show it: no query string or user info (either may hold a token). */
export const loggableUrl = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

const MAX_REDIRECTS = 3;

/**
 * GETs the endpoint with its headers. A redirect is followed only within the same origin: the
 * headers (credentials, usually) never go to another host. The body is read up to its cap.
 */
async function fetchJson(c: CollectorDef): Promise<unknown> {
  const signal = AbortSignal.timeout(c.timeout_seconds * 1000);
  let url = c.url;
  for (let hop = 0; ; hop++) {
    const res = await fetch(url, { headers: c.headers, signal, redirect: "manual" });
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== new URL(c.url).origin)
        throw new Error(
          `${loggableUrl(url)} redirected to another origin (${next.origin}): not followed with its headers`,
        );
      if (hop >= MAX_REDIRECTS) throw new Error(`${loggableUrl(c.url)}: more than ${MAX_REDIRECTS} redirects`);
      url = next.href;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${loggableUrl(url)} answered ${res.status}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      size += chunk.length;
      if (size > c.max_body_bytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new Error(`${loggableUrl(url)}: answer larger than ${c.max_body_bytes} bytes`);
      }
      chunks.push(chunk);
    }
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  }
}

export async function collectOnce(c: CollectorDef, hooks: CollectorHooks): Promise<void> {
  const doc = await fetchJson(c);
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
        log.warn("collector failed", { "opsdeck.collector": c.name, "url.path": loggableUrl(c.url), error: err });
      } finally {
        running = false;
      }
    });
  });
  return () => tasks.forEach((t) => void t.stop());
}
