// The exception counter on real OpenTelemetry spans: by type and route, once per request and
// type however many of the request's spans recorded it, and a bounded set of types.
import { context, trace, type Counter } from "@opentelemetry/api";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { ExceptionCounter, MAX_TYPES } from "./exceptions.ts";

function counted() {
  const adds: Record<string, unknown>[] = [];
  const counter = { add: (_n: number, attributes: Record<string, unknown>) => adds.push(attributes) } as Counter;
  const tracer = new TracerProvider({ spanProcessors: [new ExceptionCounter(counter)] }).getTracer("test");
  /** One request: a server span with the route, and a layer span under it; `errors` recorded on each. */
  const request = (route: string, errors: Error[][]) => {
    const server = tracer.startSpan("GET", { attributes: { "http.route": route } });
    const layer = tracer.startSpan(
      "handler",
      { attributes: { "http.route": route } },
      trace.setSpan(context.active(), server),
    );
    for (const e of errors[0] ?? []) server.recordException(e);
    for (const e of errors[1] ?? []) layer.recordException(e);
    layer.end();
    server.end();
  };
  return { adds, request };
}

describe("the exception counter", () => {
  it("counts each type once per request, with the route, however many spans recorded it", () => {
    const { adds, request } = counted();
    request("/pay", [[new RangeError("a")], [new RangeError("a again"), new TypeError("b")]]);
    request("/pay", [[], [new RangeError("another request")]]);
    expect(adds).toEqual([
      { "exception.type": "RangeError", "http.route": "/pay" },
      { "exception.type": "TypeError", "http.route": "/pay" },
      { "exception.type": "RangeError", "http.route": "/pay" },
    ]);
  });

  it("keeps at most MAX_TYPES types as labels, the rest as other", () => {
    const { adds, request } = counted();
    for (let i = 0; i <= MAX_TYPES; i++) {
      const e = new Error("x");
      e.name = `Error${i}`;
      request("/x", [[e]]);
    }
    expect(adds.at(-2)).toMatchObject({ "exception.type": `Error${MAX_TYPES - 1}` });
    expect(adds.at(-1)).toMatchObject({ "exception.type": "other" });
  });
});
