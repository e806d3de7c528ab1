// An alert group's "what changed before it?": the top three changes of the window before it
// began, each with when, what and why it ranks there, and the rules that rank them (no guessing:
// every reason is one of those rules).
import type { SourceState } from "@opsdeck/core/changes/collect";
import type { ChangeKind, RankedChange, Reason } from "@opsdeck/core/changes/rank";
import type { Dict } from "@/lib/i18n.ts";
import { durationText, type Reader } from "@/lib/time.ts";
import { SHOWN, type NewErrorsSince } from "./for-alerts.ts";

const KIND_TEXT: Record<ChangeKind, keyof Dict> = {
  deploy: "change_deploy",
  crash: "change_crash",
  restart: "change_restart",
  config: "change_config",
  "host-down": "change_host_down",
};
const REASON_TEXT: Record<Reason, keyof Dict> = {
  same_app: "reason_same_app",
  same_project: "reason_same_project",
  same_host: "reason_same_host",
  same_environment: "reason_same_environment",
  failed: "reason_failed",
  crash: "reason_crash",
  host_down: "reason_host_down",
  restarts_after: "reason_restarts_after",
};
const SOURCE_TEXT: Record<SourceState["source"], keyof Dict> = {
  deploys: "svc_deploy",
  prometheus: "svc_prometheus",
  audit: "svc_elasticsearch",
};

export function WhatChanged({
  ranked,
  novelty,
  sources,
  windowHours,
  timelinePath,
  t,
  reader,
}: {
  ranked: RankedChange[];
  novelty?: NewErrorsSince;
  sources: SourceState[];
  windowHours: number;
  /** The group's timeline, the likeliest change marked. */
  timelinePath: string;
  t: Dict;
  reader: Reader;
}) {
  const missing = sources.filter((s) => !s.ok);
  return (
    <details className="what-changed" open={ranked.length > 0} data-what-changed>
      <summary>
        {t.what_changed.replace("{h}", windowHours.toLocaleString(reader.lang))} (
        {ranked.length.toLocaleString(reader.lang)})
      </summary>
      {ranked.length === 0 && <p className="muted">{t.nothing_changed}</p>}
      <ol>
        {ranked.slice(0, SHOWN).map((c) => (
          <li key={`${c.kind}:${c.at}:${c.title}`} data-change={c.kind}>
            <span className="pill">{t[KIND_TEXT[c.kind]]}</span>{" "}
            {c.link ? (
              <a href={c.link} translate="no">
                {c.title}
              </a>
            ) : (
              <span translate="no">{c.title}</span>
            )}
            {c.actor && c.kind === "deploy" && <span translate="no"> ({c.actor})</span>}{" "}
            <span className="muted">
              {c.minutesBefore > 0
                ? t.before_alert.replace("{d}", durationText(c.minutesBefore * 60, reader.lang, 2))
                : t.as_alert_began}
            </span>
            {c.reasons.length > 0 && (
              <span className="reasons" data-reasons={c.reasons.join(" ")}>
                {" · "}
                {c.reasons.map((r) => t[REASON_TEXT[r]]).join(" / ")}
              </span>
            )}
          </li>
        ))}
      </ol>
      {novelty && <NewErrors novelty={novelty} t={t} reader={reader} />}
      {missing.length > 0 && (
        <p className="muted" role="status">
          {t.changes_sources_missing}: {missing.map((s) => t[SOURCE_TEXT[s.source]]).join(", ")}
        </p>
      )}
      <p>
        <a href={timelinePath} data-timeline-link>
          {t.timeline_link} →
        </a>
      </p>
      <p className="muted">{t.how_ranked}</p>
    </details>
  );
}

/** The error patterns new since the likeliest deploy: how many kinds, and the commonest three. */
function NewErrors({ novelty, t, reader }: { novelty: NewErrorsSince; t: Dict; reader: Reader }) {
  const { deploy, errors } = novelty;
  const since = deploy.version ?? deploy.commit?.slice(0, 7) ?? deploy.title;
  return (
    <div className="new-errors" data-new-errors={errors.length}>
      <p>
        <strong>
          {t.new_errors_since.replace("{v}", since)}:{" "}
          {(errors.length === 1 ? t.kinds_count_one : t.kinds_count).replace(
            "{n}",
            errors.length.toLocaleString(reader.lang),
          )}
        </strong>
      </p>
      {errors.length > 0 && (
        <ul>
          {errors.slice(0, SHOWN).map((e) => (
            <li key={`${e.service}:${e.pattern}`}>
              <code translate="no">{e.pattern}</code>{" "}
              <span className="muted">
                <span translate="no">{e.service}</span> · ×{e.count.toLocaleString(reader.lang)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
