// The recurring maintenance windows (recurring-windows.yml in the portal's data directory), and
// the scheduler that opens each occurrence's window a day ahead: run at start, every minute, and
// after every change. A window it opened is found again by its title, scope and end, so running it
// twice opens nothing twice.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { replaceFile } from "@opsdeck/core/atomic-file";
import { createSilence } from "@/features/alerts/silences.ts";
import { audit } from "@/lib/audit.ts";
import { config, configRelative } from "@/lib/config.ts";
import { amSilences } from "@/lib/sources.ts";
import { occurrences, occurrenceWindow, type RecurringRequest, type RecurringWindow } from "./recurring.ts";
import { windowSilence, windowsFrom } from "./windows.ts";

/** How far ahead an occurrence's window is opened (Alertmanager starts it on time). */
const LEAD_MS = 86_400_000;

const filePath = () => configRelative(join(config().portal.data_dir, "recurring-windows.yml"));

export function recurringWindows(): RecurringWindow[] {
  const file = filePath();
  if (!existsSync(file)) return [];
  return ((parse(readFileSync(file, "utf8")) as { windows?: RecurringWindow[] } | null)?.windows ?? []).filter(Boolean);
}

let queue: Promise<unknown> = Promise.resolve();

/** Applies a change to the list, one at a time; resolves with the list before and after, on disk. */
export function changeRecurring(
  change: (windows: RecurringWindow[]) => RecurringWindow[],
): Promise<{ before: RecurringWindow[]; after: RecurringWindow[] }> {
  const next = queue.then(() => {
    const before = recurringWindows();
    const after = change(before);
    mkdirSync(dirname(filePath()), { recursive: true });
    replaceFile(filePath(), stringify({ windows: after }), 0o600);
    return { before, after };
  });
  queue = next.catch(() => undefined);
  return next;
}

export const newRecurring = (request: RecurringRequest, user: string): RecurringWindow => ({
  ...request,
  id: randomBytes(6).toString("hex"),
  created_by: user,
  created_at: new Date().toISOString(),
});

const sameScope = (a: Record<string, string | undefined>, b: Record<string, string | undefined>) =>
  JSON.stringify(
    Object.entries(a)
      .filter(([, v]) => v)
      .sort(),
  ) ===
  JSON.stringify(
    Object.entries(b)
      .filter(([, v]) => v)
      .sort(),
  );

/**
 * Opens the window of every occurrence that starts within a day and has none yet; resolves with
 * how many it opened. A failure (Alertmanager down) is thrown; the next run tries again.
 */
export async function scheduleRecurring(now = Date.now()): Promise<number> {
  const windows = recurringWindows();
  if (!windows.length) return 0;
  const silences = await amSilences();
  if (!silences.ok) throw new Error(`Alertmanager: ${silences.error}`);
  const open = windowsFrom(silences.data).filter((w) => w.state !== "expired");
  let opened = 0;
  for (const w of windows)
    for (const o of occurrences(w, now, now + LEAD_MS)) {
      const end = new Date(o.end).toISOString();
      if (open.some((x) => x.title === w.title && x.endsAt === end && sameScope(x.scope, w.scope))) continue;
      // To the occurrence's end exactly (a window's minutes would round it): found again by it.
      const silence = { ...windowSilence(occurrenceWindow(w, o, now), w.created_by, now), endsAt: end };
      const created = await createSilence(silence);
      if (created instanceof Response) throw new Error(`Alertmanager refused the window: HTTP ${created.status}`);
      opened++;
      await audit("opsdeck", "maintenance-scheduled", {
        "opsdeck.silence.id": created.id,
        "opsdeck.maintenance.recurring_id": w.id,
        "opsdeck.maintenance.starts_at": silence.startsAt,
        "opsdeck.maintenance.ends_at": silence.endsAt,
        "event.reason": w.title,
      });
    }
  return opened;
}
