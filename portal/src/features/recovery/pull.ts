// Recovery actions for a host the central server cannot reach (push mode): the portal signs the
// request as for any host and leaves it in a mailbox; the host's PM2 exporter fetches it through
// the front door (a long poll, as the host with its own token), checks the signature with its own
// key, runs it and posts the answer back. A request nobody fetched is dropped before it expires.
// The mailbox is this portal's memory, or with several portals (portal.shared_redis) Redis
// (shared-mailbox.ts): the host's poll and answer may land on any portal. A portal restart loses
// only the wait for requests it made (the operator or the rule sees a timeout, as for a host that
// does not answer).
import { z } from "zod";
import { createLogger } from "@opsdeck/core";
import { checkHostToken } from "@opsdeck/core/hosts/push-auth";
import { watchedHosts } from "@/features/hosts/host-lists.ts";
import { config } from "@/lib/config.ts";
import type { HostAnswer } from "./run.ts";
import { didNotAnswer, didNotFetch, FETCH_WITHIN_MS, POLL_MS, type Mailbox, type SignedRequest } from "./mailbox.ts";
import { sharedMailbox } from "./shared-mailbox.ts";

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

const unfetchedFor = (host: string) => [...mailbox.requests].filter(([, r]) => r.host === host && !r.fetched);

const memoryMailbox: Mailbox = {
  leave(host, signed, timeoutMs) {
    return new Promise((resolve) => {
      const entry: Waiting = { host, body: signed.body, signature: signed.signature, fetched: false, done };
      // Not fetched while it is valid: useless to the host after that.
      const unfetched = setTimeout(() => {
        if (!entry.fetched) done(didNotFetch(host));
      }, FETCH_WITHIN_MS);
      const unanswered = setTimeout(() => done(didNotAnswer(host, timeoutMs)), timeoutMs);
      function done(answer: HostAnswer) {
        if (!mailbox.requests.delete(signed.id)) return;
        clearTimeout(unfetched);
        clearTimeout(unanswered);
        resolve(answer);
      }
      mailbox.requests.set(signed.id, entry);
      for (const wake of mailbox.wake) wake();
    });
  },
  async take(host, signal) {
    if (!unfetchedFor(host).length)
      await new Promise<void>((resolve) => {
        const stop = () => {
          mailbox.wake.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const check = () => {
          if (unfetchedFor(host).length) stop();
        };
        const timer = setTimeout(stop, POLL_MS);
        signal.addEventListener("abort", stop);
        mailbox.wake.add(check);
      });
    if (signal.aborted) return [];
    const waiting = unfetchedFor(host);
    for (const [, r] of waiting) r.fetched = true;
    return waiting.map(([id, r]) => ({ id, body: r.body, signature: r.signature }));
  },
  async answer(host, id, answer) {
    const entry = mailbox.requests.get(id);
    // Another host's request id, one never issued or one already answered: nothing to answer.
    if (!entry || entry.host !== host || !entry.fetched) return false;
    entry.done(answer);
    return true;
  },
};

const mailboxNow = () => (config().portal.shared_redis ? sharedMailbox : memoryMailbox);

/** Leaves a signed request for `host` and resolves with its answer, or a 504 after `timeoutMs`. */
export const leaveForHost = (host: string, signed: SignedRequest, timeoutMs: number) =>
  mailboxNow().leave(host, signed, timeoutMs);

function authorize(req: Request): { host: string } | Response {
  const result = checkHostToken(watchedHosts(), req.headers.get("authorization") ?? undefined, "push");
  if (result.ok) return { host: result.host };
  log.warn(`action fetch refused: ${result.reason}`, { "host.name": result.host });
  return Response.json(
    { error: result.reason },
    { status: 401, headers: { "www-authenticate": 'Basic realm="opsdeck actions"' } },
  );
}

/** GET /api/agent/actions: the host's waiting requests, at once or within 25 s; 204 if none came. */
export async function GET(req: Request) {
  const who = authorize(req);
  if (who instanceof Response) return who;
  const requests = await mailboxNow().take(who.host, req.signal);
  if (!requests.length) return new Response(null, { status: 204 });
  return Response.json({ requests }, { headers: { "cache-control": "no-store" } });
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
  // A runbook's output is kept to its last 4 KB: an answer is a few KB.
  const text = await req.text();
  if (text.length > 65_536) return Response.json({ error: "answer: over 64 KB" }, { status: 413 });
  const parsed = answerSchema.safeParse(safeJson(text));
  if (!parsed.success) return Response.json({ error: `answer: ${parsed.error.issues[0].message}` }, { status: 400 });
  if (!(await mailboxNow().answer(who.host, id, parsed.data as HostAnswer)))
    return Response.json({ error: "no such request waits for an answer from this host" }, { status: 404 });
  return new Response(null, { status: 204 });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
