// Small helpers for the benchmarks: percentiles, timing loops, process CPU/RSS, a printed table.
import { readFileSync } from "node:fs";
import http from "node:http";

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    n: s.length,
    p50_ms: r(percentile(s, 50)),
    p95_ms: r(percentile(s, 95)),
    p99_ms: r(percentile(s, 99)),
    max_ms: r(s.at(-1) ?? NaN),
  };
}

export async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

/** Milliseconds of each of n calls, after one unmeasured call (caches and routes warmed). */
export async function timeRepeated(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return ms;
}

/** A request's answer as text; an error saying the status and body when it is not 2xx. */
export async function okText(url: string, init?: RequestInit): Promise<string> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.text();
}

const TICK = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

const statusField = (pid: number, field: string) => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
};

export const rssBytes = (pid: number) => statusField(pid, "VmRSS");

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** RSS, and the part of it that is the process's own (RssAnon): the rest is the shared node binary. */
export function memory(pid: number) {
  return { rss_mb: mb(statusField(pid, "VmRSS")), private_mb: mb(statusField(pid, "RssAnon")) };
}

/**
 * `memory`, and what V8 says of it from the service's own /metrics: the live heap and the heap
 * V8 holds. What is neither is the node binary, buffers and the allocator's free memory.
 */
export async function serviceMemory(pid: number, baseUrl: string) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  return {
    ...memory(pid),
    heap_used_mb: mb(gauge("nodejs_heap_size_used_bytes")),
    heap_total_mb: mb(gauge("nodejs_heap_size_total_bytes")),
  };
}

export type Row = Record<string, string | number>;

export function printTable(title: string, rows: Row[]) {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => "| " + vals.map((v, i) => v.padEnd(width[i])).join(" | ") + " |";
  console.log(`\n${title}\n`);
  console.log(line(cols));
  console.log("|" + width.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * POSTs JSON over a keep-alive agent and resolves with the status. The load generator shares the
 * two cores with the servers, so it uses node:http: fetch (undici) costs several times more CPU
 * per request and would measure itself.
 */
export function postJson(url: string, body: unknown, token?: string): Promise<number> {
  const data = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": data.length,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode! < 300 ? resolve(res.statusCode!) : reject(new Error(`${url}: ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

/** Reads an SSE stream and calls `onChunk` with each chunk's receive time. */
export function openStream(
  url: string,
  headers: Record<string, string>,
  onChunk: (chunk: Buffer, at: number) => void,
): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: "text/event-stream", ...headers }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${url}: HTTP ${res.statusCode}`));
      res.once("data", () => resolve(req)); // the preamble: connected
      res.on("data", (c: Buffer) => onChunk(c, Date.now()));
    });
    req.on("error", reject);
  });
}
