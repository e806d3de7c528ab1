// Timestamps as senders give them: ISO strings, Unix seconds or milliseconds, or "null".
export function toMillis(v: unknown): number | undefined {
  if (v === null || v === undefined || v === "" || v === "null" || v === "undefined") return undefined;
  if (typeof v === "number" && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v;
  if (typeof v === "string") {
    if (/^\d+(\.\d+)?$/.test(v)) return toMillis(Number(v));
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** ISO 8601 for epoch milliseconds; undefined stays undefined (so a known time types as a string). */
export function iso(ms: number): string;
export function iso(ms: number | undefined): string | undefined;
export function iso(ms: number | undefined) {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
