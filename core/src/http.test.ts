import type { Request } from "express";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { HttpError, parse, requireToken, safeEqual } from "./http.ts";

function check(token: string | undefined, req: Partial<Request>, allowQuery = false): HttpError | undefined {
  let result: unknown = "not called";
  requireToken(token, { allowQuery })(
    { headers: {}, query: {}, ...req } as Request,
    {} as never,
    (e?: unknown) => (result = e),
  );
  return result as HttpError | undefined;
}

describe("token auth", () => {
  const token = "s3cret-token-0123456789";
  it("accepts the bearer token and rejects others", () => {
    expect(check(token, { headers: { authorization: `Bearer ${token}` } })).toBeUndefined();
    expect(check(token, { headers: { authorization: "Bearer wrong" } })?.status).toBe(401);
    expect(check(token, { headers: { authorization: `Bearer ${token}x` } })?.status).toBe(401);
    expect(check(token, {})?.message).toMatch(/missing token/);
  });
  it("takes ?token= only where allowed", () => {
    expect(check(token, { query: { token } }, true)).toBeUndefined();
    expect(check(token, { query: { token } }, false)?.status).toBe(401);
  });
  it("refuses writes when no token is configured", () => {
    expect(check(undefined, { headers: { authorization: "Bearer anything" } })?.status).toBe(503);
  });
  it("compares equal strings as equal, whatever their length", () => {
    expect(safeEqual("a", "a")).toBe(true);
    expect(safeEqual("a", "ab")).toBe(false);
  });
});

describe("parse", () => {
  it("throws a 400 naming the field", () => {
    const s = z.object({ project: z.string(), n: z.number() });
    try {
      parse(s, { project: "x", n: "1" });
      throw new Error("expected an HttpError");
    } catch (err) {
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).status).toBe(400);
      expect((err as HttpError).message).toMatch(/^body: n: /);
      expect((err as HttpError).details?.issues).toEqual([{ path: "n", message: expect.any(String) }]);
    }
  });
});
