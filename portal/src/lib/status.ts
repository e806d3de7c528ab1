// Client-safe helpers over the dictionary (i18n.ts itself reads request headers: server only).
import type { Dict } from "./i18n.ts";

/** A deploy or step status in the reader's language. */
export const statusText = (t: Dict, status: string) => (t as Record<string, string>)[`st_${status}`] ?? status;

/** An alert's severity in the reader's language (critical → 严重); an unknown one as it is. */
export const severityText = (t: Dict, severity: string | undefined) =>
  severity === "critical" || severity === "warning" || severity === "info" ? t[severity] : (severity ?? "");
