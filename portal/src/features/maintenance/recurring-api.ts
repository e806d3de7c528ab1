// /api/maintenance/recurring: recurring maintenance windows. GET lists them (any signed-in user,
// or CI's token); POST adds one and DELETE …/:id removes one — an operator from the portal
// (CSRF-checked) or CI with the maintenance token. Audited with the before / after; the next
// day's occurrences are opened at once (a removed one's already open windows stay: end them on
// the Probes page).
import { audit } from "@/lib/audit.ts";
import { parseBody } from "@/lib/change-request.ts";
import { caller } from "./api.ts";
import { recurringRequestSchema } from "./recurring.ts";
import { changeRecurring, newRecurring, recurringWindows, scheduleRecurring } from "./recurring-store.ts";

export async function GET(req: Request) {
  const who = await caller(req, false);
  if (who instanceof Response) return who;
  return Response.json({ windows: recurringWindows() });
}

export async function POST(req: Request) {
  const who = await caller(req, true);
  if (who instanceof Response) return who;
  const request = await parseBody(req, recurringRequestSchema);
  if (request instanceof Response) return request;
  const window = newRecurring(request, who.user);
  await changeRecurring((windows) => [...windows, window]);
  await audit(
    who.user,
    "maintenance-recurring-added",
    { "opsdeck.maintenance.recurring_id": window.id, "event.reason": window.title },
    { target: `maintenance:${window.id}`, after: window },
  );
  let opened = 0;
  try {
    opened = await scheduleRecurring();
  } catch {
    // Alertmanager down: the minute's run opens it once it answers.
  }
  return Response.json({ window, opened }, { status: 201 });
}

export async function DELETE(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  const who = await caller(_req, true);
  if (who instanceof Response) return who;
  const { id } = await params;
  const removed = recurringWindows().find((w) => w.id === id);
  if (!removed) return Response.json({ error: `no recurring window "${id}"` }, { status: 404 });
  await changeRecurring((windows) => windows.filter((w) => w.id !== id));
  await audit(
    who.user,
    "maintenance-recurring-removed",
    { "opsdeck.maintenance.recurring_id": id },
    { target: `maintenance:${id}`, before: removed },
  );
  return new Response(null, { status: 204 });
}
