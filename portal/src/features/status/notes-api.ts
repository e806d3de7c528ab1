// /api/status/notes: an operator adds (POST) or removes (DELETE ?id=) a public note on an
// incident. CSRF-checked, audited; the public page shows it from the next refresh.
import { randomUUID } from "node:crypto";
import { audit } from "@/lib/audit.ts";
import { changeRequest, changingUser } from "@/lib/change-request.ts";
import { addNote, noteRequestSchema, removeNote } from "./notes.ts";
import { forgetStatus } from "./data.ts";

export async function POST(req: Request) {
  const change = await changeRequest(req, "operator", noteRequestSchema);
  if (change instanceof Response) return change;
  const note = { ...change.body, id: randomUUID(), at: Date.now(), by: change.user };
  addNote(note);
  forgetStatus();
  await audit(change.user, "status-note-added", {
    "opsdeck.probe": note.probe,
    "opsdeck.status_note.id": note.id,
    "event.reason": note.text,
  });
  return Response.json({ id: note.id }, { status: 201 });
}

export async function DELETE(req: Request) {
  const user = await changingUser("operator");
  if (user instanceof Response) return user;
  const id = new URL(req.url).searchParams.get("id") ?? "";
  if (!removeNote(id)) return Response.json({ error: "id: no such note" }, { status: 404 });
  forgetStatus();
  await audit(user, "status-note-removed", { "opsdeck.status_note.id": id });
  return new Response(null, { status: 204 });
}
