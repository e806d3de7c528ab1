// A request from the central OpsDeck to act on a host (restart an app, …): HMAC-SHA256 over the
// exact body with that host's own key, naming the host, expiring within a minute, and carrying
// an id the host remembers until then. A captured request can be neither altered, sent to
// another host, replayed nor kept for later; one signed before the host's verifier started (its
// memory of ids lost with a restart) is refused too, so a restart opens no replay window.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/** The longest a signed request lives: long enough for a slow network, short enough to be useless when captured. */
export const ACTION_REQUEST_LIFETIME_MS = 60_000;
/** How far ahead of the host's clock a request's issue time may be (clocks under NTP agree far better). */
const CLOCK_SKEW_MS = 30_000;

export const SIGNATURE_HEADER = "x-opsdeck-signature";

export const signedEnvelopeSchema = z.strictObject({
  /** The host it is for: a request signed for one host is refused by every other. */
  host: z.string().min(1).max(253),
  /** Unique per request: the replay check remembers it, and results are filed under it. */
  id: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  issued_at: z.number().int().positive(),
  expires_at: z.number().int().positive(),
  /** What to do: the host's catalogue validates it. */
  action: z.unknown(),
  /** Plan it against the host's processes and answer the steps, without running them. */
  dry_run: z.boolean().optional(),
  /** Who asked: a person from an alert (manual) or a rule (automatic); the host counts both. */
  trigger: z.enum(["manual", "automatic"]).optional(),
});
export type SignedEnvelope = z.infer<typeof signedEnvelopeSchema>;

/**
 * An agent host's own key, derived from the central key (`npm run agent-credentials -- --actions
 * NAME` prints it for the host). The central OpsDeck keeps one secret for every host; a host
 * holds only its own key, which signs for no other host, and cannot work back to the central one.
 * The central host itself uses the central key.
 */
export function hostActionKey(centralKey: string, host: string): string {
  return createHmac("sha256", centralKey).update(`opsdeck recovery actions for host ${host}`).digest("base64url");
}

const mac = (key: string, body: string) => `v1=${createHmac("sha256", key).update(body).digest("hex")}`;

/** The body to send and its signature header's value. */
export function signRequest(
  key: string,
  host: string,
  action: unknown,
  now = Date.now(),
  options: { dryRun?: boolean; trigger?: "manual" | "automatic" } = {},
): { body: string; signature: string; id: string } {
  const id = randomUUID();
  const body = JSON.stringify({
    host,
    id,
    issued_at: now,
    expires_at: now + ACTION_REQUEST_LIFETIME_MS,
    action,
    ...(options.dryRun && { dry_run: true }),
    ...(options.trigger && { trigger: options.trigger }),
  });
  return { body, signature: mac(key, body), id };
}

export type Verified = { ok: true; envelope: SignedEnvelope } | { ok: false; status: 400 | 401 | 409; reason: string };

/**
 * Checks requests for this host: signature first (nothing of an unsigned body is believed), then
 * host, times and the id not seen before.
 */
export function requestVerifier(opts: { key: string; host: string; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  /** Ids seen, until their request expires. */
  const seen = new Map<string, number>();
  return (body: string, signature: string | undefined): Verified => {
    const expected = Buffer.from(mac(opts.key, body));
    const given = Buffer.from(signature ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, status: 401, reason: "the signature does not match this host's key" };
    let parsed;
    try {
      parsed = signedEnvelopeSchema.safeParse(JSON.parse(body));
    } catch {
      return { ok: false, status: 400, reason: "the body is not JSON" };
    }
    if (!parsed.success) return { ok: false, status: 400, reason: parsed.error.issues[0].message };
    const e = parsed.data;
    const t = now();
    for (const [id, expires] of seen) if (expires < t) seen.delete(id);
    if (e.host !== opts.host) return { ok: false, status: 401, reason: `signed for host "${e.host}", not this one` };
    if (e.expires_at - e.issued_at > ACTION_REQUEST_LIFETIME_MS)
      return { ok: false, status: 401, reason: "it lives longer than a request may" };
    if (e.expires_at < t) return { ok: false, status: 401, reason: "it has expired" };
    if (e.issued_at > t + CLOCK_SKEW_MS) return { ok: false, status: 401, reason: "it is issued in the future" };
    if (e.issued_at < startedAt)
      return { ok: false, status: 401, reason: "it was signed before this host started listening (replay unknowable)" };
    if (seen.has(e.id)) return { ok: false, status: 409, reason: "it has been received already (a replay)" };
    seen.set(e.id, e.expires_at);
    return { ok: true, envelope: e };
  };
}
