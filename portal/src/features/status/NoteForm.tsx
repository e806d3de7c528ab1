"use client";
// An operator's public note on an incident (Probes page), and taking one down.
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Dict } from "@/lib/i18n.ts";
import { call } from "@/lib/api-call.ts";
import { FormError } from "@/ui/FormError.tsx";

export function NoteForm({ t, probe, incidentStart }: { t: Dict; probe: string; incidentStart: number }) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [text, setText] = useState("");
  return (
    <form
      className="stack-form"
      data-form="status-note"
      onSubmit={(e) => {
        e.preventDefault();
        call("POST", "/api/status/notes", { probe, incident_start: incidentStart, text }).then(
          () => {
            setText("");
            router.refresh();
          },
          (err: Error) => setError(err.message),
        );
      }}
    >
      <label>
        {t.status_note_add}
        <input
          name="text"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t.status_note_placeholder}
          maxLength={1000}
          required
        />
      </label>
      <button type="submit">{t.status_note_save}</button>
      <FormError error={error} inline />
    </form>
  );
}

export function RemoveNote({ id, t }: { id: string; t: Dict }) {
  const router = useRouter();
  return (
    <button
      className="nowrap"
      onClick={() => void call("DELETE", `/api/status/notes?id=${id}`).then(() => router.refresh())}
    >
      {t.status_note_remove}
    </button>
  );
}
