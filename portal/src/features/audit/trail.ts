// Reading the audit trail back (lib/audit.ts writes it): newest first, filtered by who, what,
// which target and when, a page at a time. Months are files; only as many are read as the page
// needs.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { auditDir, type AuditEntry } from "@/lib/audit.ts";

export const auditQuerySchema = z.strictObject({
  user: z.string().max(64).optional(),
  /** An action or its start: "rule" matches rule-created, rule-changed, … */
  action: z.string().max(64).optional(),
  /** A target, e.g. rule:3f9a2c1b (exact), or its kind: rule, probe, host. */
  target: z.string().max(200).optional(),
  /** ISO time: entries strictly before it (the next page). */
  before: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

const wanted = (q: AuditQuery) => (e: AuditEntry) =>
  (!q.user || e.user === q.user) &&
  (!q.action || e.action === q.action || e.action.startsWith(`${q.action}-`)) &&
  (!q.target || e.target === q.target || e.target?.startsWith(`${q.target}:`)) &&
  (!q.before || e["@timestamp"] < q.before);

export function auditEntries(q: AuditQuery): { entries: AuditEntry[]; next_before?: string } {
  const dir = auditDir();
  if (!existsSync(dir)) return { entries: [] };
  const months = readdirSync(dir)
    .filter((f) => /^\d{4}-\d{2}\.jsonl$/.test(f))
    .sort()
    .reverse();
  const found: AuditEntry[] = [];
  const keep = wanted(q);
  for (const month of months) {
    if (q.before && `${month.slice(0, 7)}` > q.before.slice(0, 7)) continue;
    const lines = readFileSync(join(dir, month), "utf8").split("\n");
    for (let i = lines.length - 1; i >= 0 && found.length < q.limit; i--) {
      if (!lines[i]) continue;
      let entry: AuditEntry;
      try {
        entry = JSON.parse(lines[i]) as AuditEntry;
      } catch {
        continue; // a line cut by a crash mid-append (never answered)
      }
      if (keep(entry)) found.push(entry);
    }
    if (found.length === q.limit) break;
  }
  return { entries: found, next_before: found.length === q.limit ? found.at(-1)!["@timestamp"] : undefined };
}
