"use client";
// The deploy table, kept live from the tab's event stream: steps advance without a reload.
// On the first page, new deploys that match the filters appear on top; on later pages only
// the rows shown are updated.
import Link from "next/link";
import { useState } from "react";
import type { Dict } from "@/lib/i18n.ts";
import { statusText } from "@/lib/status.ts";
import type { DeployView } from "@opsdeck/contracts";
import { dateTime, durationText, type Reader } from "@/lib/time.ts";
import { useStream } from "../live/useStream.ts";

export interface DeployFilter {
  project?: string;
  environment?: string;
  host?: string;
  status?: string;
}

const matches = (d: DeployView, f: DeployFilter) =>
  (!f.project || d.project === f.project) &&
  (!f.environment || d.environment === f.environment) &&
  (!f.host || (d.hosts ?? []).includes(f.host)) &&
  (!f.status || d.status === f.status);

export function DeploysLive({
  initial,
  t,
  reader,
  filter,
  firstPage,
}: {
  initial: DeployView[];
  t: Dict;
  reader: Reader;
  filter: DeployFilter;
  firstPage: boolean;
}) {
  const [rows, setRows] = useState(initial);
  const duration = (seconds?: number) => (seconds === undefined ? "" : durationText(seconds, reader.lang, 2));
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
              {/* The CI's words (project, environment, version, step, actor): shown as given, not translated. */}
              <td translate="no">
                <Link href={`/deploys/${encodeURIComponent(d.id)}`}>{d.project}</Link>
              </td>
              <td translate="no">{d.environment}</td>
              <td translate="no">{d.version}</td>
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
                      translate="no"
                      data-step-status={s.status}
                      title={statusText(t, s.status)}
                    >
                      {s.name} {duration(s.duration_seconds)}
                    </span>
                  ))}
                </div>
              </td>
              <td className="nowrap">{dateTime(d.started_at, reader)}</td>
              <td className="nowrap">{duration(d.duration_seconds)}</td>
              <td translate="no">{d.actor}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
