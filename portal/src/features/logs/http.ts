// The log APIs' edge: query parameters → validated input, and errors → clear JSON answers.
import { z } from "zod";
import { BadRequest } from "./errors.ts";
import { QueryError } from "./query.ts";
import { searchSchema, type SearchInput } from "./search.ts";

/** Repeated parameters (?service=a&service=b) become lists. */
export function params(url: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URL(url).searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export { BadRequest };

export function parseSearch(url: string): SearchInput {
  return valid(searchSchema, params(url));
}

/** Parses with a schema; a failure is a BadRequest naming the parameter. */
export function valid<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const p = schema.safeParse(input);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new BadRequest(`${i.path.join(".")}: ${i.message}`);
  }
  return p.data;
}

/** A failure as the browser should see it: 400 for the request's fault, 502 for Elasticsearch's. */
export function errorResponse(err: unknown): Response {
  if (err instanceof QueryError)
    return Response.json(
      { error: `query: ${err.message}`, position: err.position, reason: err.reason, code: err.code, arg: err.arg },
      { status: 400 },
    );
  if (err instanceof BadRequest) return Response.json({ error: err.message }, { status: 400 });
  const e = err as {
    meta?: { statusCode?: number; body?: { error?: { type?: string; reason?: string } } };
    message?: string;
  };
  const type = e.meta?.body?.error?.type;
  if (
    type === "search_phase_execution_exception" ||
    type === "illegal_argument_exception" ||
    type === "parse_exception"
  )
    return Response.json({ error: `query: ${e.meta?.body?.error?.reason ?? type}` }, { status: 400 });
  if (e.meta?.statusCode === 404 && type === "search_context_missing_exception")
    return Response.json({ error: "cursor expired: search again" }, { status: 400 });
  return Response.json({ error: `Elasticsearch: ${type ?? e.message ?? "unavailable"}` }, { status: 502 });
}
