// A service's token in an Authorization header, compared in constant time.
import { timingSafeEqual } from "node:crypto";

/** Whether `authorization` is `Bearer <token>`; never with no token configured. */
export function bearerMatches(authorization: string | null, token: string | undefined): boolean {
  if (!token || !authorization) return false;
  const given = Buffer.from(authorization);
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
