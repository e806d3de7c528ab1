import { z } from "zod";

/** Every time that crosses a process boundary: ISO 8601 in UTC, e.g. 2026-12-01T21:18:50.000Z. */
export const isoTime = z.iso.datetime();
