"use client";
// A deploy's detail, kept live from the tab's event stream: header, steps on a timeline with
// their durations and log excerpts, the deploy's log lines and reported metrics.
import { useState } from "react";
import type { Dict } from "@/lib/i18n.ts";
import { statusText } from "@/lib/status.ts";
import type { DeployView } from "@opsdeck/contracts";
import { dateTime, durationText, type Reader } from "@/lib/time.ts";
import { useStream } from "../live/useStream.ts";
import { IncidentMark } from "./IncidentMark.tsx";

/** The last lines of a step's log: enough to see why it failed, never a whole build log. */
const excerpt = (log: string, lines = 40) => log.split("\n").slice(-lines).join("\n");

export function DeployDetail({
  initial,
  canMark,
  t,
  reader,
}: {
  initial: DeployView;
  /** Operators may say it caused an incident. */
  canMark: boolean;
  t: Dict;
  reader: Reader;
}) {
  const time = (iso?: string) => (iso ? dateTime(iso, reader) : "");
  const duration = (seconds?: number) => (seconds === undefined ? "" : durationText(seconds, reader.lang, 2));
  const [d, setD] = useState(initial);
  const live = useStream((message) => {
    if (message.event === "deploy.deploy" && message.data.deploy.id === d.id) setD(message.data.deploy);
  });
  const start = Date.parse(d.started_at);
  const end = d.finished_at ? Date.parse(d.finished_at) : Date.now();
  const span = Math.max(end - start, 1);
  // The service's logs from just before the deploy to a while after it ended.
  const logsHref = `/logs?${new URLSearchParams({
    service: d.project,
    from: new Date(start - 5 * 60_000).toISOString(),
    to: d.finished_at ? new Date(end + 15 * 60_000).toISOString() : "now",
  })}`;
  const facts: [string, React.ReactNode][] = [
    [t.environment, d.environment],
    [t.hosts, d.hosts?.join(", ")],
    [t.version, d.version],
    [t.commit, d.commit && <code title={d.commit}>{d.commit.slice(0, 12)}</code>],
    [t.branch, d.branch],
    [t.actor, d.actor],
    [t.source, d.source],
    [t.started, time(d.started_at)],
    [t.finished, time(d.finished_at)],
    [t.duration, duration(d.duration_seconds)],
    [t.lead_time, duration(d.lead_time_seconds)],
    [
      t.logs,
      <a key="logs" href={logsHref} data-logs-link>
        {t.logs_link} →
      </a>,
    ],
    // Only http(s) links: the URL came from a CI system, not from us.
    [
      t.ci_link,
      d.url && /^https?:\/\//.test(d.url) && (
        <a href={d.url} rel="noreferrer noopener" target="_blank">
          {d.url}
        </a>
      ),
    ],
  ];
  return (
    <>
      <h1>
        <span translate="no">{d.project}</span>{" "}
        <span className={`pill s-${d.status}`} data-status={d.status}>
          {statusText(t, d.status)}
        </span>{" "}
        <span className="muted" data-live={live}>
          {live ? `● ${t.live}` : "○"}
        </span>
      </h1>
      <dl className="facts">
        {facts
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd translate="no">{v}</dd>
            </div>
          ))}
      </dl>
      <IncidentMark
        d={initial.incident === d.incident ? d : { ...d, incident: initial.incident }}
        allowed={canMark}
        t={t}
        reader={reader}
      />

      <section className="card">
        <h2>{t.steps}</h2>
        <table data-table="steps">
          <thead>
            <tr>
              <th>{t.step}</th>
              <th>{t.status}</th>
              <th>{t.started}</th>
              <th>{t.duration}</th>
              <th style={{ width: "40%" }} />
            </tr>
          </thead>
          <tbody>
            {d.steps.map((s) => {
              const from = s.started_at ? Date.parse(s.started_at) : start;
              const to = s.finished_at ? Date.parse(s.finished_at) : s.status === "running" ? end : from;
              return (
                <tr key={s.name} data-step={s.name} data-step-status={s.status}>
                  <td>
                    <span translate="no">{s.name}</span>
                    {s.log && (
                      <details>
                        <summary>{t.step_log}</summary>
                        <pre className="log">{excerpt(s.log)}</pre>
                      </details>
                    )}
                  </td>
                  <td>
                    <span className={`pill s-${s.status}`}>{statusText(t, s.status)}</span>
                  </td>
                  <td>{time(s.started_at)}</td>
                  <td>{duration(s.duration_seconds)}</td>
                  <td>
                    <div className="timeline">
                      <span
                        className={`s-${s.status}`}
                        style={{
                          left: `${((from - start) / span) * 100}%`,
                          width: `${Math.max(((to - from) / span) * 100, 0.5)}%`,
                        }}
                      />
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      {Object.keys(d.metrics).length > 0 && (
        <section className="card">
          <h2>{t.metrics}</h2>
          <dl className="facts">
            {Object.entries(d.metrics).map(([k, v]) => (
              <div key={k} translate="no">
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </section>
      )}

      <section className="card">
        <h2>{t.deploy_log}</h2>
        {d.logs.length ? (
          <pre className="log" data-log>
            {d.logs.map((l, i) => (
              <div key={i} className={`lvl-${l.level}`}>
                {time(l.ts)} {l.level.toUpperCase().padEnd(5)} {l.source ? `[${l.source}] ` : ""}
                {l.message}
              </div>
            ))}
          </pre>
        ) : (
          <p className="muted">{t.none}</p>
        )}
      </section>
    </>
  );
}
