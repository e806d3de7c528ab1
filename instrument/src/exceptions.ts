// Exceptions by type: the instrumentations record an exception on the span where it surfaced
// (Express: a handler that threw or passed an error to next()). This span processor counts them
// as `opsdeck.app.exceptions` (Prometheus: opsdeck_app_exceptions_total) by exception.type and
// the route — once per request and type, should more than one of the request's spans record it
// (an app's own code, or another instrumentation, recording what Express's already did).
import type { Context, Counter } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";

/** Distinct exception types kept as labels; more are counted as "other" (a label set stays small). */
export const MAX_TYPES = 50;
/** A request's trace and type, seen: forgotten after this long (a request outliving it is counted again). */
const REMEMBER_MS = 5 * 60_000;

export class ExceptionCounter implements SpanProcessor {
  private readonly types = new Set<string>();
  private readonly seen = new Map<string, number>();

  constructor(private readonly counter: Counter) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    for (const event of span.events) {
      if (event.name !== "exception") continue;
      const type = this.typeOf(String(event.attributes?.["exception.type"] ?? "Error"));
      const key = `${span.spanContext().traceId}/${type}`;
      const now = Date.now();
      if (this.seen.has(key)) continue;
      this.forgetOld(now);
      this.seen.set(key, now);
      const route = span.attributes["http.route"];
      this.counter.add(1, { "exception.type": type, ...(typeof route === "string" ? { "http.route": route } : {}) });
    }
  }

  private typeOf(type: string): string {
    if (this.types.has(type)) return type;
    if (this.types.size >= MAX_TYPES) return "other";
    this.types.add(type);
    return type;
  }

  /** Oldest first (a Map keeps insertion order): the old, and beyond 10,000 the oldest, go. */
  private forgetOld(now: number) {
    for (const [key, at] of this.seen) {
      if (now - at <= REMEMBER_MS && this.seen.size < 10_000) break;
      this.seen.delete(key);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
