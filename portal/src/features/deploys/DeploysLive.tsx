"use client";
// The deploy table, kept live from the tab's event stream: steps advance without a reload.
// On the first page, new deploys that match the filters appear on top; on later pages only
// the rows shown are updated.
import Link from "next/link";
import { useState } from "react";
import type { Dict } from "@/lib/i18n.ts";
import { statusText } from "@/lib/status.ts";
import type { DeployView } from "@opsdeck/contracts";
import { duration } from "./duration.ts";
import { useStream } from "../live/useStream.ts";

export interface DeployFilter {
  project?: string;
  environment?: string;
  status?: string;
}

const matches = (d: DeployView, f: DeployFilter) =>
  (!f.project || d.project === f.project) &&
  (!f.environment || d.environment === f.environment) &&
  (!f.status || d.status === f.status);

export function DeploysLive({
  initial,
  t,
  filter,
  firstPage,
}: {
  initial: DeployView[];
  t: Dict;
  filter: DeployFilter;
  firstPage: boolean;
}) {
  const [rows, setRows] = useState(initial);
  const live = useStream((message) => {
    if (message.event !== "deploy.deploy") return;
    const { deploy } = message.data;
    setRows((prev) => {
      const i = prev.findIndex((d) => d.id === deploy.id);
      if (i < 0) return firstPage && matches(deploy, filter) ? [deploy, ...prev] : prev;
      const next = [...prev];
      next[i] = deploy;
      return next;
    });
  });
  return (
    <>
      <p className="muted" data-live={live}>
        {live ? `● ${t.live}` : "○"}
      </p>
      <table>
        <thead>
          <tr>
            <th>{t.project}</th>
            <th>{t.environment}</th>
            <th>{t.version}</th>
            <th>{t.status}</th>
            <th>{t.steps}</th>
            <th>{t.started}</th>
            <th>{t.duration}</th>
            <th>{t.actor}</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={8} className="muted">
                {t.none}
              </td>
            </tr>
          )}
          {rows.map((d) => (
            <tr key={d.id} data-deploy={d.id}>
              <td>
                <Link href={`/deploys/${encodeURIComponent(d.id)}`}>{d.project}</Link>
              </td>
              <td>{d.environment}</td>
              <td>{d.version}</td>
              <td>
                <span className={`pill s-${d.status}`} data-status={d.status}>
                  {statusText(t, d.status)}
                </span>
              </td>
              <td>
                <div className="steps">
                  {d.steps.map((s) => (
                    <span
                      key={s.name}
                      className={`pill s-${s.status}`}
                      data-step={s.name}
                      data-step-status={s.status}
                      title={statusText(t, s.status)}
                    >
                      {s.name} {duration(s.duration_seconds)}
                    </span>
                  ))}
                </div>
              </td>
              <td>{new Date(d.started_at).toLocaleString()}</td>
              <td>{duration(d.duration_seconds)}</td>
              <td>{d.actor}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
