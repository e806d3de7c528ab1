// Imports OpsDeck's saved objects into Kibana: waits until Kibana reports itself available under
// its base path, then POSTs the NDJSON to the saved objects import API (overwriting, so running
// it twice gives the same objects), and fails unless Kibana says every object was imported.
// The compose stack's init job runs it; so does provisioning/kibana/import.ts for anyone with
// an existing Kibana.

export interface ImportOptions {
  /** Kibana's URL including its base path (server.basePath), e.g. http://kibana:5601/kibana. */
  url: string;
  username?: string;
  password?: string;
  ndjson: string;
  /** How long to wait for Kibana to become available. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function importSavedObjects(o: ImportOptions): Promise<{ imported: number }> {
  const base = o.url.replace(/\/+$/, "");
  const headers: Record<string, string> = { "kbn-xsrf": "opsdeck" };
  if (o.username)
    headers.authorization = `Basic ${Buffer.from(`${o.username}:${o.password ?? ""}`).toString("base64")}`;
  const log = o.log ?? (() => {});

  const deadline = Date.now() + (o.timeoutMs ?? 300_000);
  let last = "no answer yet";
  for (;;) {
    try {
      const res = await fetch(`${base}/api/status`, { headers, signal: AbortSignal.timeout(10_000) });
      const level = res.ok
        ? ((await res.json()) as { status?: { overall?: { level?: string } } }).status?.overall?.level
        : undefined;
      if (level === "available") break;
      last = res.ok ? `status ${level ?? "unknown"}` : `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`Kibana at ${base} did not become available (${last})`);
    log(`waiting for Kibana at ${base}: ${last}`);
    await sleep(2000);
  }

  const form = new FormData();
  form.append("file", new Blob([o.ndjson], { type: "application/ndjson" }), "opsdeck.ndjson");
  const res = await fetch(`${base}/api/saved_objects/_import?overwrite=true`, { method: "POST", headers, body: form });
  const text = await res.text();
  let answer: {
    success?: boolean;
    successCount?: number;
    errors?: { id: string; type: string; error: { type: string } }[];
  };
  try {
    answer = JSON.parse(text);
  } catch {
    throw new Error(`Kibana's import answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  if (!res.ok || answer.success !== true) {
    const errors = (answer.errors ?? []).map((e) => `${e.type} ${e.id}: ${e.error.type}`).join("; ");
    throw new Error(`Kibana did not import every object (HTTP ${res.status}): ${errors || text.slice(0, 200)}`);
  }
  return { imported: answer.successCount ?? 0 };
}
