"use client";
// "This deploy caused an incident": for a successful deploy, operators say so (with a note),
// or take it back; it then counts in the change failure rate. A small form in place, as the
// Alerts page's acknowledge is (it works the same on a phone).
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { DeployView } from "@opsdeck/contracts";
import type { Dict } from "@/lib/i18n.ts";
import { call } from "@/lib/api-call.ts";
import { dateTime, type Reader } from "@/lib/time.ts";
import { FormError } from "@/ui/FormError.tsx";

export function IncidentMark({ d, allowed, t, reader }: { d: DeployView; allowed: boolean; t: Dict; reader: Reader }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string>();
  // What the exporter answered last; the page's own copy until then.
  const [incident, setIncident] = useState(d.incident);
  if (d.status !== "succeeded") return null;
  const send = (caused: boolean) =>
    call("POST", `/api/deploys/${encodeURIComponent(d.id)}/incident`, { caused, note }).then(
      (answer) => {
        setIncident((answer as { incident: DeployView["incident"] | null }).incident ?? undefined);
        setOpen(false);
        setError(undefined);
        router.refresh();
      },
      (err: Error) => setError(err.message),
    );
  return (
    <section className={incident ? "card notice-critical" : "card"} data-incident={incident ? "marked" : "none"}>
      {incident ? (
        <p>
          <b>{t.caused_incident}</b> · <span translate="no">{incident.by}</span> · {dateTime(incident.at, reader)}
          {incident.note && <span translate="no"> · {incident.note}</span>}
        </p>
      ) : (
        <p className="muted">{t.caused_incident_how}</p>
      )}
      {allowed ? (
        <div className="row-actions">
          {incident ? (
            <button onClick={() => void send(false)} data-incident-action="unmark">
              {t.not_an_incident}
            </button>
          ) : (
            <button aria-expanded={open} onClick={() => setOpen(!open)} data-incident-action="open">
              {t.mark_incident}
            </button>
          )}
        </div>
      ) : (
        <p className="muted">{t.viewer_cannot_mark}</p>
      )}
      {open && (
        <form
          className="stack-form"
          onSubmit={(e) => {
            e.preventDefault();
            void send(true);
          }}
        >
          <label>
            {t.incident_note}
            <input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} required />
          </label>
          <button className="primary" type="submit" data-incident-action="mark">
            {t.mark_incident}
          </button>
        </form>
      )}
      <FormError error={error} />
    </section>
  );
}
