// What a push host's mailbox does (pull.ts), whichever holds it: this portal's memory, or the
// portals' shared Redis (shared-mailbox.ts).
import { ACTION_REQUEST_LIFETIME_MS } from "@opsdeck/core/actions/signed-request";
import type { HostAnswer } from "./run.ts";

/** How long a poll is held open when nothing is waiting (well under the front door's 60 s). */
export const POLL_MS = 25_000;

export interface SignedRequest {
  id: string;
  body: string;
  signature: string;
}

/** Where requests for push hosts wait: this portal's memory, or the portals' shared Redis. */
export interface Mailbox {
  /** Leaves a signed request for `host` and resolves with its answer, or a 504. */
  leave(host: string, signed: SignedRequest, timeoutMs: number): Promise<HostAnswer>;
  /** The host's requests not fetched yet, marked fetched: at once, or within POLL_MS; [] if none came. */
  take(host: string, signal: AbortSignal): Promise<SignedRequest[]>;
  /** Hands the host's answer to whoever waits; false if no request of this host waits for one. */
  answer(host: string, id: string, answer: HostAnswer): Promise<boolean>;
}

export const didNotFetch = (host: string): HostAnswer => ({
  status: 504,
  body: { error: `${host} did not fetch the request (is its agent running?)` },
});
export const didNotAnswer = (host: string, timeoutMs: number): HostAnswer => ({
  status: 504,
  body: { error: `${host} did not answer within ${timeoutMs / 1000} s` },
});
/** Not fetched while it is valid: useless to the host after that. */
export const FETCH_WITHIN_MS = ACTION_REQUEST_LIFETIME_MS - 5_000;
