"use client";
// The deploy table, kept live from the portal's event stream: steps advance without a reload.
import { useEffect, useState } from "react";
import type { Dict } from "@/lib/i18n.ts";
import { statusText } from "@/lib/status.ts";
import type { DeployView } from "@/lib/sources.ts";

const secs = (s?: number) =>
  s === undefined ? "" : s < 60 ? `${Math.round(s)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;

export function DeploysLive({ initial, t }: { initial: DeployView[]; t: Dict }) {
  const [rows, setRows] = useState(initial);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const es = new EventSource("/api/stream");
    es.onopen = () => setLive(true);
    es.onerror = () => setLive(false);
    es.addEventListener("deploy.deploy", (e) => {
      const { deploy } = JSON.parse((e as MessageEvent).data) as { deploy: DeployView };
      setRows((prev) => {
        const i = prev.findIndex((d) => d.id === deploy.id);
        if (i < 0) return [deploy, ...prev];
        const next = [...prev];
        next[i] = deploy;
        return next;
      });
    });
    return () => es.close();
  }, []);
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
          {rows.map((d) => (
            <tr key={d.id} data-deploy={d.id}>
              <td>{d.project}</td>
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
                      {s.name} {secs(s.duration_seconds)}
                    </span>
                  ))}
                </div>
              </td>
              <td>{new Date(d.started_at).toLocaleString()}</td>
              <td>{secs(d.duration_seconds)}</td>
              <td>{d.actor}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
