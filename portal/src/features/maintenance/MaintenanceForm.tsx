"use client";
// Scheduling a maintenance window from the Probes page (operators), and ending one early. The
// scope is a probe, or any of host / app / project / environment; the title is public.
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Dict } from "@/lib/i18n.ts";
import { call } from "@/lib/api-call.ts";
import { FormError } from "@/ui/FormError.tsx";

const SCOPES = ["probe", "host", "app", "project", "environment"] as const;

export function MaintenanceForm({ t, probes }: { t: Dict; probes: string[] }) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [scopeLabel, setScopeLabel] = useState<(typeof SCOPES)[number]>("probe");
  const [scopeValue, setScopeValue] = useState(probes[0] ?? "");
  return (
    <form
      className="stack-form"
      data-form="maintenance"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const start = String(form.get("starts_at") ?? "");
        call("POST", "/api/maintenance", {
          title: String(form.get("title") ?? ""),
          scope: { [scopeLabel]: scopeValue },
          // The browser's local time, as the operator typed it, made absolute here.
          ...(start ? { starts_at: new Date(start).toISOString() } : {}),
          minutes: Number(form.get("minutes")),
        }).then(
          () => {
            setError(undefined);
            router.refresh();
          },
          (err: Error) => setError(err.message),
        );
      }}
    >
      <label>
        {t.maintenance_title}
        <input name="title" required maxLength={200} />
      </label>
      <label>
        {t.maintenance_scope}
        <span className="row-actions">
          <select
            name="scope_label"
            value={scopeLabel}
            onChange={(e) => setScopeLabel(e.target.value as (typeof SCOPES)[number])}
          >
            {SCOPES.map((s) => (
              <option key={s} value={s}>
                {t[`scope_${s}`]}
              </option>
            ))}
          </select>
          <input
            name="scope_value"
            list="maintenance-probes"
            value={scopeValue}
            onChange={(e) => setScopeValue(e.target.value)}
            required
          />
          <datalist id="maintenance-probes">
            {probes.map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
        </span>
      </label>
      <label>
        {t.maintenance_starts}
        <input name="starts_at" type="datetime-local" />
      </label>
      <label>
        {t.maintenance_minutes}
        <input name="minutes" type="number" min={1} max={10080} defaultValue={60} required />
      </label>
      <button className="primary" type="submit">
        {t.maintenance_add}
      </button>
      <FormError error={error} inline />
    </form>
  );
}

export function EndMaintenance({ id, t }: { id: string; t: Dict }) {
  const router = useRouter();
  return (
    <button
      className="nowrap"
      data-end-maintenance={id}
      onClick={() => void call("DELETE", `/api/maintenance?id=${id}`).then(() => router.refresh())}
    >
      {t.maintenance_end}
    </button>
  );
}

const WEEKDAY_KEYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;

/** A weekly window, every week on the days ticked, in the browser's time zone unless changed. */
export function RecurringForm({ t }: { t: Dict }) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [scopeLabel, setScopeLabel] = useState<(typeof SCOPES)[number]>("environment");
  return (
    <form
      className="stack-form"
      data-form="recurring-maintenance"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        call("POST", "/api/maintenance/recurring", {
          title: String(form.get("title") ?? ""),
          scope: { [scopeLabel]: String(form.get("scope_value") ?? "") },
          weekdays: form.getAll("weekdays").map(String),
          start_time: String(form.get("start_time") ?? ""),
          end_time: String(form.get("end_time") ?? ""),
          time_zone: String(form.get("time_zone") ?? ""),
        }).then(
          () => {
            setError(undefined);
            router.refresh();
          },
          (err: Error) => setError(err.message),
        );
      }}
    >
      <label>
        {t.maintenance_title}
        <input name="title" required maxLength={200} />
      </label>
      <label>
        {t.maintenance_scope}
        <span className="row-actions">
          <select value={scopeLabel} onChange={(e) => setScopeLabel(e.target.value as (typeof SCOPES)[number])}>
            {SCOPES.map((s) => (
              <option key={s} value={s}>
                {t[`scope_${s}`]}
              </option>
            ))}
          </select>
          <input name="scope_value" required translate="no" />
        </span>
      </label>
      <fieldset>
        <legend>{t.maintenance_weekdays}</legend>
        <span className="row-actions">
          {WEEKDAY_KEYS.map((d) => (
            <label key={d} className="check">
              <input type="checkbox" name="weekdays" value={d} /> {t[`weekday_${d}`]}
            </label>
          ))}
        </span>
      </fieldset>
      <label>
        {t.maintenance_from_time}
        <input name="start_time" type="time" required />
      </label>
      <label>
        {t.maintenance_to_time}
        <input name="end_time" type="time" required />
      </label>
      <label>
        {t.maintenance_time_zone}
        <input
          name="time_zone"
          required
          translate="no"
          defaultValue={typeof Intl === "undefined" ? "" : Intl.DateTimeFormat().resolvedOptions().timeZone}
        />
      </label>
      <button className="primary" type="submit">
        {t.maintenance_add_recurring}
      </button>
      <FormError error={error} inline />
    </form>
  );
}

export function RemoveRecurring({ id, t }: { id: string; t: Dict }) {
  const router = useRouter();
  return (
    <button
      className="nowrap"
      data-remove-recurring={id}
      onClick={() => void call("DELETE", `/api/maintenance/recurring/${id}`).then(() => router.refresh())}
    >
      {t.remove}
    </button>
  );
}
