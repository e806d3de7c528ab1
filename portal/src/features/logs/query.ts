// The log search's query language, parsed here so that only queries the portal builds reach
// Elasticsearch (no query_string, no scripts, no DSL from the browser):
//
//   timeout                      a word in the message
//   "connection reset"           a phrase
//   service.name:shop            a field's value (keyword fields match exactly)
//   http.response.status_code:>=500   a range (>, >=, <, <=)
//   url.original:/api/*          a prefix
//   a AND b, a OR b, NOT a, -a, (a OR b) c     (space means AND; AND binds tighter than OR)
//
// A query it cannot take is a QueryError with the position (1-based) and the reason.
import type { estypes } from "@elastic/elasticsearch";

/** Why a query was refused, as a code the page says in the reader's language (with `arg` in it). */
export type QueryErrorCode =
  | "unclosed_quote"
  | "empty_phrase"
  | "value_after"
  | "missing_term"
  | "expected_paren"
  | "too_many_terms"
  | "value_for"
  | "unexpected"
  | "prefix_only";

export class QueryError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
    readonly code: QueryErrorCode,
    readonly arg?: string,
  ) {
    super(`position ${position}: ${reason}`);
  }
}

type Token =
  | { t: "word"; v: string; at: number }
  | { t: "phrase"; v: string; at: number }
  | { t: "field"; v: string; at: number }
  | { t: "op"; v: "AND" | "OR" | "NOT"; at: number }
  | { t: "("; at: number }
  | { t: ")"; at: number }
  | { t: "-"; at: number };

const FIELD = /^[A-Za-z_@][\w.@]*$/;
const MAX_TERMS = 64;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      out.push({ t: c, at: i });
      i++;
    } else if (c === '"') {
      const start = i++;
      let v = "";
      while (i < src.length && src[i] !== '"') {
        if (src[i] === "\\" && i + 1 < src.length) i++;
        v += src[i++];
      }
      if (i >= src.length) throw new QueryError(start + 1, "unclosed quote", "unclosed_quote");
      i++;
      if (!v.trim()) throw new QueryError(start + 1, "empty phrase", "empty_phrase");
      out.push({ t: "phrase", v, at: start });
    } else if (c === "-" && (out.length === 0 || ["(", "op"].includes(out.at(-1)!.t) || /\s/.test(src[i - 1]))) {
      out.push({ t: "-", at: i });
      i++;
    } else {
      const start = i;
      while (i < src.length && !/[\s()"]/.test(src[i])) i++;
      const w = src.slice(start, i);
      const colon = w.indexOf(":");
      if (w === "AND" || w === "OR" || w === "NOT") out.push({ t: "op", v: w, at: start });
      else if (colon > 0 && FIELD.test(w.slice(0, colon))) {
        out.push({ t: "field", v: w.slice(0, colon), at: start });
        const rest = w.slice(colon + 1);
        if (rest) out.push({ t: "word", v: rest, at: start + colon + 1 });
        else if (src[i] !== '"') throw new QueryError(start + colon + 2, `a value after "${w}"`, "value_after", w);
      } else out.push({ t: "word", v: w, at: start });
    }
  }
  return out;
}

type Query = estypes.QueryDslQueryContainer;

/** Parses the query; an empty one matches everything. */
export function parseQuery(src: string): Query {
  const tokens = tokenize(src);
  let pos = 0;
  let terms = 0;
  const peek = () => tokens[pos];
  const where = () => (peek()?.at ?? src.length) + 1;

  function or(): Query {
    const parts = [and()];
    while (peek()?.t === "op" && (peek() as { v: string }).v === "OR") {
      pos++;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0] : { bool: { should: parts, minimum_should_match: 1 } };
  }
  function and(): Query {
    const parts = [unary()];
    for (;;) {
      const p = peek();
      if (!p || p.t === ")" || (p.t === "op" && p.v === "OR")) break;
      if (p.t === "op" && p.v === "AND") pos++;
      parts.push(unary());
    }
    return parts.length === 1 ? parts[0] : { bool: { must: parts } };
  }
  function unary(): Query {
    const p = peek();
    if (p && (p.t === "-" || (p.t === "op" && p.v === "NOT"))) {
      pos++;
      return { bool: { must_not: [unary()] } };
    }
    return primary();
  }
  function primary(): Query {
    const p = peek();
    if (!p) throw new QueryError(where(), "a term is missing at the end", "missing_term");
    if (p.t === "(") {
      pos++;
      const q = or();
      if (peek()?.t !== ")") throw new QueryError(where(), "expected )", "expected_paren");
      pos++;
      return q;
    }
    if (++terms > MAX_TERMS)
      throw new QueryError(p.at + 1, `more than ${MAX_TERMS} terms`, "too_many_terms", String(MAX_TERMS));
    if (p.t === "field") {
      pos++;
      const v = peek();
      if (!v || (v.t !== "word" && v.t !== "phrase"))
        throw new QueryError(where(), `a value for ${p.v}`, "value_for", p.v);
      pos++;
      return fieldQuery(p.v, v);
    }
    if (p.t === "word" || p.t === "phrase") {
      pos++;
      return p.t === "phrase"
        ? { match_phrase: { message: p.v } }
        : { match: { message: { query: p.v, operator: "and" } } };
    }
    throw new QueryError(
      p.at + 1,
      p.t === ")" ? "unexpected )" : `unexpected ${"v" in p ? p.v : p.t}`,
      "unexpected",
      p.t === ")" ? ")" : "v" in p ? p.v : p.t,
    );
  }

  if (!tokens.length) return { match_all: {} };
  const q = or();
  if (pos < tokens.length) throw new QueryError(where(), "unexpected )", "unexpected", ")");
  return q;
}

function fieldQuery(field: string, v: { t: "word" | "phrase"; v: string; at: number }): Query {
  if (v.t === "phrase") return { match_phrase: { [field]: v.v } };
  const range = /^(>=|<=|>|<)(.+)$/.exec(v.v);
  if (range) {
    const op = { ">": "gt", ">=": "gte", "<": "lt", "<=": "lte" }[range[1]]!;
    return { range: { [field]: { [op]: range[2] } } };
  }
  if (v.v.endsWith("*") && v.v.length > 1 && !v.v.slice(0, -1).includes("*"))
    return { prefix: { [field]: { value: v.v.slice(0, -1) } } };
  if (v.v.includes("*")) throw new QueryError(v.at + 1, "only a trailing * (a prefix) is supported", "prefix_only");
  return { match: { [field]: { query: v.v, operator: "and" } } };
}
