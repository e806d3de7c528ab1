// Recovery actions for a host the central server cannot reach (push mode): the portal signs the
// request as for any host and leaves it here; the host's PM2 exporter fetches it through the
// front door (a long poll, as the host with its own token), checks the signature with its own
// key, runs it and posts the answer back. A request nobody fetched is dropped before it expires.
// Held in this portal's memory: a portal restart loses only requests still waiting (the operator
// or the rule sees a timeout, as for a host that does not answer).
import { z } from "zod";
import { createLogger } from "@opsdeck/core";
import { checkHostToken } from "@opsdeck/core/hosts/push-auth";
import { ACTION_REQUEST_LIFETIME_MS } from "@opsdeck/core/actions/signed-request";
import { watchedHosts } from "@/features/hosts/host-lists.ts";
import type { HostAnswer } from "./run.ts";

/** How long a poll is held open when nothing is waiting (well under the front door's 60 s). */
const POLL_MS = 25_000;

interface Waiting {
  host: string;
  body: string;
  signature: string;
  fetched: boolean;
  done(answer: HostAnswer): void;
}

// On globalThis: the route handlers and the automatic loop (instrumentation.ts) may each load this module.
const shared = globalThis as { opsdeckActionMailbox?: { requests: Map<string, Waiting>; wake: Set<() => void> } };
const mailbox = (shared.opsdeckActionMailbox ??= { requests: new Map(), wake: new Set() });
const log = createLogger({ service: "portal", dataset: "opsdeck.portal" });

/** Leaves a signed request for `host` and resolves with its answer, or a 504 after `timeoutMs`. */
export function leaveForHost(
  host: string,
  signed: { id: string; body: string; signature: string },
  timeoutMs: number,
): Promise<HostAnswer> {
  return new Promise((resolve) => {
    const entry: Waiting = { host, body: signed.body, signature: signed.signature, fetched: false, done };
    // Not fetched while it is valid: useless to the host after that.
    const unfetched = setTimeout(() => {
      if (!entry.fetched)
        done({ status: 504, body: { error: `${host} did not fetch the request (is its agent running?)` } });
    }, ACTION_REQUEST_LIFETIME_MS - 5_000);
    const unanswered = setTimeout(
      () => done({ status: 504, body: { error: `${host} did not answer within ${timeoutMs / 1000} s` } }),
      timeoutMs,
    );
    function done(answer: HostAnswer) {
      if (!mailbox.requests.delete(signed.id)) return;
      clearTimeout(unfetched);
      clearTimeout(unanswered);
      resolve(answer);
    }
    mailbox.requests.set(signed.id, entry);
    for (const wake of mailbox.wake) wake();
  });
}

function authorize(req: Request): { host: string } | Response {
  const result = checkHostToken(watchedHosts(), req.headers.get("authorization") ?? undefined, "push");
  if (result.ok) return { host: result.host };
  log.warn(`action fetch refused: ${result.reason}`, { "host.name": result.host });
  return Response.json(
    { error: result.reason },
    { status: 401, headers: { "www-authenticate": 'Basic realm="opsdeck actions"' } },
  );
}

const unfetchedFor = (host: string) => [...mailbox.requests].filter(([, r]) => r.host === host && !r.fetched);

/** GET /api/agent/actions: the host's waiting requests, at once or within 25 s; 204 if none came. */
export async function GET(req: Request) {
  const who = authorize(req);
  if (who instanceof Response) return who;
  let waiting = unfetchedFor(who.host);
  if (!waiting.length) {
    await new Promise<void>((resolve) => {
      const stop = () => {
        mailbox.wake.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const check = () => {
        if (unfetchedFor(who.host).length) stop();
      };
      const timer = setTimeout(stop, POLL_MS);
      req.signal.addEventListener("abort", stop);
      mailbox.wake.add(check);
    });
    waiting = unfetchedFor(who.host);
  }
  if (!waiting.length || req.signal.aborted) return new Response(null, { status: 204 });
  for (const [, r] of waiting) r.fetched = true;
  return Response.json(
    { requests: waiting.map(([id, r]) => ({ id, body: r.body, signature: r.signature })) },
    { headers: { "cache-control": "no-store" } },
  );
}

const answerSchema = z.strictObject({
  status: z.number().int().min(100).max(599),
  body: z.record(z.string(), z.unknown()),
});

/** POST /api/agent/actions/:id: the host's answer to a request it fetched. */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const who = authorize(req);
  if (who instanceof Response) return who;
  const { id } = await params;
  const entry = mailbox.requests.get(id);
  // Another host's request id, one never issued or one already answered: nothing to answer.
  if (!entry || entry.host !== who.host || !entry.fetched)
    return Response.json({ error: "no such request waits for an answer from this host" }, { status: 404 });
  // A runbook's output is kept to its last 4 KB: an answer is a few KB.
  const text = await req.text();
  if (text.length > 65_536) return Response.json({ error: "answer: over 64 KB" }, { status: 413 });
  const parsed = answerSchema.safeParse(safeJson(text));
  if (!parsed.success) return Response.json({ error: `answer: ${parsed.error.issues[0].message}` }, { status: 400 });
  entry.done(parsed.data as HostAnswer);
  return new Response(null, { status: 204 });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
