// Timestamps as senders give them: ISO strings, Unix seconds or milliseconds, or "null".

/** Later than any deploy or event will be: a time beyond it is a mistake (or an attack), not a date. */
const LATEST = Date.UTC(2200, 0, 1);

/** Epoch milliseconds, or undefined for no time, an unreadable one, or one outside 1970–2200. */
export function toMillis(v: unknown): number | undefined {
  if (v === null || v === undefined || v === "" || v === "null" || v === "undefined") return undefined;
  let ms: number | undefined;
  if (typeof v === "number" && Number.isFinite(v)) ms = v < 1e11 ? v * 1000 : v;
  else if (typeof v === "string") ms = /^\d+(\.\d+)?$/.test(v) ? toMillis(Number(v)) : Date.parse(v);
  return ms !== undefined && ms >= 0 && ms <= LATEST ? ms : undefined;
}

/** ISO 8601 for epoch milliseconds; undefined stays undefined (so a known time types as a string). */
export function iso(ms: number): string;
export function iso(ms: number | undefined): string | undefined;
export function iso(ms: number | undefined) {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
