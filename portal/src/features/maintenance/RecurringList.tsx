// The recurring maintenance windows, as the Probes and Alerts pages list them: what, where,
// which days and hours in which zone; with a remove button for operators where asked.
import type { Dict } from "@/lib/i18n.ts";
import { RemoveRecurring } from "./MaintenanceForm.tsx";
import type { RecurringWindow } from "./recurring.ts";

export function RecurringList({ t, windows, removable }: { t: Dict; windows: RecurringWindow[]; removable: boolean }) {
  if (!windows.length) return null;
  return (
    <table className="stacked" data-widget="recurring-maintenance">
      <tbody>
        {windows.map((w) => (
          <tr key={w.id} data-recurring={w.id}>
            <td className="wide">
              <b translate="no">{w.title}</b> <span className="pill s-maintenance">{t.maintenance_recurring}</span>
              <div className="muted" translate="no">
                {Object.entries(w.scope)
                  .filter(([, v]) => v)
                  .map(([k, v]) => `${k}="${v}"`)
                  .join(", ")}
              </div>
            </td>
            <td>
              {w.weekdays.map((d) => t[`weekday_${d}`]).join(t.list_separator)} {w.start_time}–{w.end_time}{" "}
              <span className="muted" translate="no">
                {w.time_zone}
              </span>
            </td>
            <td>{removable && <RemoveRecurring id={w.id} t={t} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
