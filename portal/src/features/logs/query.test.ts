import { describe, expect, it } from "vitest";
import { parseQuery, QueryError } from "./query.ts";

const msg = (w: string) => ({ match: { message: { query: w, operator: "and" } } });

describe("log query language", () => {
  it("takes words, phrases, fields, ranges and prefixes", () => {
    expect(parseQuery("")).toEqual({ match_all: {} });
    expect(parseQuery("timeout")).toEqual(msg("timeout"));
    expect(parseQuery('"connection reset"')).toEqual({ match_phrase: { message: "connection reset" } });
    expect(parseQuery("service.name:shop")).toEqual({ match: { "service.name": { query: "shop", operator: "and" } } });
    expect(parseQuery('error.message:"bad gateway"')).toEqual({ match_phrase: { "error.message": "bad gateway" } });
    expect(parseQuery("http.response.status_code:>=500")).toEqual({
      range: { "http.response.status_code": { gte: "500" } },
    });
    expect(parseQuery("url.original:/api/*")).toEqual({ prefix: { "url.original": { value: "/api/" } } });
  });

  it("combines with AND (also implicit), OR, NOT, - and parentheses; AND binds tighter", () => {
    expect(parseQuery("a b OR c")).toEqual({
      bool: { should: [{ bool: { must: [msg("a"), msg("b")] } }, msg("c")], minimum_should_match: 1 },
    });
    expect(parseQuery("a AND (b OR c)")).toEqual({
      bool: { must: [msg("a"), { bool: { should: [msg("b"), msg("c")], minimum_should_match: 1 } }] },
    });
    expect(parseQuery("NOT a -b")).toEqual({
      bool: { must: [{ bool: { must_not: [msg("a")] } }, { bool: { must_not: [msg("b")] } }] },
    });
    // A hyphen inside a word is part of it.
    expect(parseQuery("x-request-id")).toEqual(msg("x-request-id"));
  });

  it("says where and why it cannot parse", () => {
    const err = (q: string) => {
      try {
        parseQuery(q);
      } catch (e) {
        return e instanceof QueryError ? [e.position, e.reason] : e;
      }
      return "parsed";
    };
    expect(err('"open')).toEqual([1, "unclosed quote"]);
    expect(err("(a OR b")).toEqual([8, "expected )"]);
    expect(err("a OR")).toEqual([5, "a term is missing at the end"]);
    expect(err("a )")).toEqual([3, "unexpected )"]);
    expect(err("level:")).toEqual([7, 'a value after "level:"']);
    expect(err("url:*x*")).toEqual([5, "only a trailing * (a prefix) is supported"]);
    expect(err("AND a")).toEqual([1, "unexpected AND"]);
  });
});
