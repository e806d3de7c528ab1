// What every channel is to the dispatcher: a format and byte limit to render for, and a send
// that classifies the provider's answer into an Outcome.
import type { Notification, Outcome } from "../model.ts";
import type { Format } from "../render.ts";

export interface Content {
  title: string;
  /** The body in the channel's format. */
  body: string;
  notifications: Notification[];
  digest: boolean;
}

export interface Channel {
  name: string;
  type: string;
  ratePerMinute: number;
  format: Format;
  maxBytes: number;
  /** A message's size as the provider measures it against maxBytes (DingTalk: the whole request body). */
  measure(title: string, body: string): number;
  /** Appended to every body (mentions); counted in maxBytes. */
  suffix: string;
  /** Digests are plain lines; this picks markdown or text for them. */
  digestFormat: "markdown" | "text";
  custom?: string;
  send(content: Content): Promise<Outcome>;
  close?(): void;
}

export const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** POSTs JSON with a timeout; network errors and timeouts come back as transient outcomes. */
export async function postJson(
  url: string,
  body: unknown,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown; text: string } | Outcome> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const code = e.name === "TimeoutError" ? "timeout" : (e.cause?.code ?? e.name);
    return {
      ok: false,
      kind: "transient",
      code,
      message: e.cause ? String((e.cause as Error).message ?? e.message) : e.message,
    };
  }
}

/** HTTP-level classification for answers without a provider error code. */
export function httpOutcome(status: number, text: string): Outcome {
  if (status >= 200 && status < 300) return { ok: true };
  const message = `HTTP ${status}: ${text.slice(0, 200)}`;
  if (status === 429) return { ok: false, kind: "throttled", code: "http-429", message };
  if (status >= 500 || status === 408) return { ok: false, kind: "transient", code: `http-${status}`, message };
  if (status === 413) return { ok: false, kind: "oversize", code: "http-413", message };
  if (status === 400) return { ok: false, kind: "rejected", code: "http-400", message };
  return { ok: false, kind: "config", code: `http-${status}`, message };
}

export const isOutcome = (v: unknown): v is Outcome => typeof v === "object" && v !== null && "ok" in v;
