// An operator's notes on the public status page's incidents ("we are restoring the database";
// "fixed at 14:20, a bad release"): the one thing on that page a person writes. Kept in the
// portal's data directory (status-notes.json, replaced atomically: a 201 means it is on disk),
// newest first, the last 200.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { replaceFile } from "@opsdeck/core/atomic-file";
import { config, configRelative } from "@/lib/config.ts";

const KEPT = 200;

export const noteRequestSchema = z
  .object({
    /** The probe whose incident it is about (its name: kept, never shown on the public page). */
    probe: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a probe's name"),
    /** The incident's start (epoch ms), as the Probes page lists it. */
    incident_start: z.number().int().positive(),
    text: z.string().trim().min(1, "say something").max(1000),
  })
  .strict();

export const noteSchema = noteRequestSchema.extend({
  id: z.string(),
  at: z.number().int(),
  by: z.string(),
});
export type StatusNote = z.infer<typeof noteSchema>;

const file = () => join(configRelative(config().portal.data_dir), "status-notes.json");

export function readNotes(): StatusNote[] {
  const path = file();
  if (!existsSync(path)) return [];
  return z.array(noteSchema).parse(JSON.parse(readFileSync(path, "utf8")));
}

export function addNote(note: StatusNote) {
  const path = file();
  mkdirSync(configRelative(config().portal.data_dir), { recursive: true });
  replaceFile(path, JSON.stringify([note, ...readNotes()].slice(0, KEPT), null, 1) + "\n", 0o600);
}

export function removeNote(id: string): boolean {
  const notes = readNotes();
  const left = notes.filter((n) => n.id !== id);
  if (left.length === notes.length) return false;
  replaceFile(file(), JSON.stringify(left, null, 1) + "\n", 0o600);
  return true;
}
