// On a host the central server cannot reach (push mode): fetch the signed action requests the
// central portal left for this host (GET /api/agent/actions through its front door, a long poll,
// as the host with its own token), answer each exactly as a POST to /api/v1/actions would be
// answered — the signature checked with this host's key — and post the answer back.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import type { Logger } from "@opsdeck/core";

export interface SignedAnswer {
  status: number;
  body: unknown;
}

const fetchedSchema = z.object({
  requests: z.array(
    z.object({ id: z.string().regex(/^[A-Za-z0-9-]{8,64}$/), body: z.string(), signature: z.string() }),
  ),
});

/** After a failed fetch (the front door down, the token refused): wait this long before the next. */
const BACKOFF_MS = 5_000;

export function startPulling(opts: {
  url: string;
  token_file: string;
  host: string;
  baseDir: string;
  log: Logger;
  answer(body: string, signature: string): Promise<SignedAnswer>;
}): { stop(): Promise<void> } {
  let stopped = false;
  const abort = new AbortController();
  let said = "";
  const trouble = (why: string) => {
    // Said once per reason, not every 5 s while it lasts.
    if (why !== said) opts.log.warn(`fetching recovery actions: ${why}`);
    said = why;
  };
  // Read on every fetch: a new token in the file takes effect without a restart.
  const authorization = () => {
    const token = readFileSync(resolve(opts.baseDir, opts.token_file), "utf8").trim();
    return `Basic ${Buffer.from(`${opts.host}:${token}`).toString("base64")}`;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

  async function once(): Promise<void> {
    const res = await fetch(new URL("/api/agent/actions", opts.url), {
      headers: { authorization: authorization() },
      signal: AbortSignal.any([abort.signal, AbortSignal.timeout(60_000)]),
    });
    if (res.status === 204) return;
    if (!res.ok) {
      trouble(`the portal answered ${res.status} ${(await res.text()).slice(0, 200)}`);
      return sleep(BACKOFF_MS).then(() => undefined);
    }
    const fetched = fetchedSchema.parse(await res.json());
    if (said) opts.log.info("fetching recovery actions again");
    said = "";
    for (const request of fetched.requests) {
      const answer = await opts.answer(request.body, request.signature);
      const back = await fetch(new URL(`/api/agent/actions/${request.id}`, opts.url), {
        method: "POST",
        headers: { authorization: authorization(), "content-type": "application/json" },
        body: JSON.stringify(answer),
        signal: AbortSignal.timeout(30_000),
      });
      if (!back.ok) trouble(`the portal refused the answer to ${request.id}: ${back.status}`);
    }
  }

  const loop = (async () => {
    while (!stopped)
      await once().catch(async (err: Error) => {
        if (stopped) return;
        const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
        trouble(err.name === "ZodError" ? "not an answer of OpsDeck's portal" : (cause ?? err.message));
        await sleep(BACKOFF_MS);
      });
  })();
  return {
    async stop() {
      stopped = true;
      abort.abort();
      await loop;
    },
  };
}
