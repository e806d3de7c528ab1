// Alerts: what fires, grouped as Alertmanager groups it, with filters; acknowledge and silence;
// the silences in force; notification history with each channel's delivery state; Prometheus'
// alerting rules and their state.
import {
  alertLogsPath,
  alertsPath,
  alertTimelinePath,
  annotationText,
  NO_CHANNEL,
  type ChannelView,
} from "@opsdeck/contracts";
import { AlertActions, ExpireSilence, TestChannel } from "@/features/alerts/AlertActions.tsx";
import { actionsFor } from "@/features/recovery/fits.ts";
import { RecoveryActions } from "@/features/recovery/RecoveryActions.tsx";
import { recoveryByAlert, RecoveryHistory } from "@/features/recovery/RecoveryHistory.tsx";
import { rollbackContext, rollbackFor, type RollbackContext } from "@/features/recovery/rollback.ts";
import type { AuditEntry } from "@/lib/audit.ts";
import { actionHosts } from "@/features/recovery/run.ts";
import { ACK_PREFIX } from "@/features/alerts/acks.ts";
import { NoChannelNotice } from "@/features/alerts/NoChannelNotice.tsx";
import { RecurringList } from "@/features/maintenance/RecurringList.tsx";
import { recurringWindows } from "@/features/maintenance/recurring-store.ts";
import { currentSession } from "@/features/auth/auth.ts";
import { config } from "@/lib/config.ts";
import { dict, type Dict } from "@/lib/i18n.ts";
import { parseMatchers } from "@/features/alerts/matchers.ts";
import { watchedHosts } from "@/features/hosts/host-lists.ts";
import { hostMatcher, hostParam } from "@/features/hosts/queries.ts";
import { changesForGroups, groupScope, type NewErrorsSince } from "@/features/changes/for-alerts.ts";
import { WhatChanged } from "@/features/changes/WhatChanged.tsx";
import type { SourceState } from "@opsdeck/core/changes/collect";
import type { RankedChange } from "@opsdeck/core/changes/rank";
import { can } from "@/features/auth/session.ts";
import { severityText, statusText } from "@/lib/status.ts";
import { dateTime, durationText, type Reader } from "@/lib/time.ts";
import {
  amGroups,
  amSilences,
  notifications,
  notifierChannels,
  promRules,
  type AmGroup,
  type AmSilence,
  type PromRule,
} from "@/lib/sources.ts";

const SEVERITIES = ["critical", "warning", "info"] as const;

/** The hosts to filter by: every listed one, and the one asked for (a broken hosts file leaves it alone). */
function hostChoices(current: string | undefined): string[] {
  let names: string[] = [];
  try {
    names = watchedHosts().map((h) => h.name);
  } catch {
    /* the Hosts page says what is wrong with the file */
  }
  return [...new Set([...names, ...(current ? [current] : [])])].sort();
}
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";

export default async function Alerts({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { t, reader } = await dict();
  const q = await searchParams;
  const severity = SEVERITIES.find((s) => s === one(q.severity));
  const text = one(q.matchers).slice(0, 2000);
  const parsed = parseMatchers(text);
  const hideSilenced = one(q.hide_silenced) === "1";
  // ?host= keeps to one host's alerts (the Hosts page and a host's pages link here so).
  const host = hostParam(q.host);
  const matchers = [
    ...(parsed.ok ? parsed.matchers : []),
    ...(severity ? [`severity="${severity}"`] : []),
    ...(host ? [hostMatcher(host)] : []),
  ];
  const session = await currentSession();
  const [groups, silences, history, rules, channels] = await Promise.all([
    amGroups(matchers, !hideSilenced),
    amSilences(),
    notifications(20),
    promRules(),
    notifierChannels(),
  ]);
  // The one-tap link from a chat message: the group's labels as equality matchers, and the
  // acknowledge form open for them.
  const ackLabels =
    one(q.ack) === "1" && parsed.ok && parsed.parts.length > 0 && parsed.parts.every((m) => m.op === "=")
      ? Object.fromEntries(parsed.parts.map((m) => [m.name, m.value]))
      : undefined;
  const silenceById = new Map((silences.ok ? silences.data : []).map((s) => [s.id, s]));
  const allowed = can(session, "operator");
  // Recovery actions run on the hosts this server can sign for and reach (operators only).
  const recoveryHosts = allowed ? actionHosts() : undefined;
  // What was run or held back for each alert: operators see it (the audit trail is theirs).
  const recoveryLog = allowed ? recoveryByAlert() : undefined;
  // Where a rollback can be offered (asked of the deploy exporter once for the page).
  const rollbacks = allowed ? await rollbackContext() : undefined;
  const ackMinutes = config().portal.acks.minutes;
  // The Watchdog always fires (it is the dead-man's switch); it is not news here.
  const shown = groups.ok
    ? groups.data
        .map((g) => ({ ...g, alerts: g.alerts.filter((a) => a.labels.alertname !== "Watchdog") }))
        .filter((g) => g.alerts.length)
    : [];
  const changes = await changesForGroups(shown, groupKey);
  return (
    <main>
      <NoChannelNotice />
      <h1>{t.alerts}</h1>
      <form className="row-actions filters" method="get" action="/alerts">
        <label>
          {t.severity}{" "}
          <select name="severity" defaultValue={severity ?? ""}>
            <option value="">{t.all}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.host}{" "}
          <select name="host" defaultValue={host ?? ""}>
            <option value="">{t.all}</option>
            {hostChoices(host).map((h) => (
              <option key={h} value={h} translate="no">
                {h}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.matchers}{" "}
          <input name="matchers" defaultValue={text} placeholder='team="business", app=~"shop.*"' size={36} />
        </label>
        <label>
          <input type="checkbox" name="hide_silenced" value="1" defaultChecked={hideSilenced} /> {t.hide_silenced}
        </label>
        <button type="submit">{t.apply}</button>
        {!parsed.ok && (
          <span className="error" role="alert">
            {t.bad_filter}: {parsed.error}
          </span>
        )}
      </form>
      {!groups.ok && (
        <p className="error" role="alert">
          {t.source_error}: {groups.error}
        </p>
      )}
      {ackLabels && (
        <section className="card notice" data-widget="ack-form">
          <h2>{t.ack_group}</h2>
          <p translate="no">
            <code>{text}</code>
          </p>
          <AlertActions labels={ackLabels} t={t} allowed={allowed} ackMinutes={ackMinutes} open="ack" />
        </section>
      )}
      {groups.ok && shown.length === 0 && <p className="empty">{t.no_alerts}</p>}
      {shown.map((g) => (
        <AlertGroup
          key={groupKey(g)}
          g={g}
          t={t}
          reader={reader}
          allowed={allowed}
          recoveryHosts={recoveryHosts}
          recoveryLog={recoveryLog}
          rollbacks={rollbacks}
          ackMinutes={ackMinutes}
          silenceById={silenceById}
          changes={{
            ranked: changes.byGroup.get(groupKey(g))?.ranked ?? [],
            novelty: changes.byGroup.get(groupKey(g))?.novelty,
            sources: changes.sources,
            windowHours: changes.windowHours,
          }}
        />
      ))}

      <h2>{t.silences}</h2>
      {silences.ok ? (
        <table className="stacked" data-widget="silences">
          <tbody>
            {silences.data
              .filter((s) => s.status.state === "active")
              .map((s) => (
                <tr key={s.id} data-silence={s.id}>
                  <td className="wide" translate="no">
                    <code>{s.matchers.map((m) => `${m.name}${m.isRegex ? "=~" : "="}"${m.value}"`).join(", ")}</code>
                  </td>
                  <td translate="no">{s.comment}</td>
                  <td>
                    {t.created_by} <span translate="no">{s.createdBy}</span>
                  </td>
                  <td className="nowrap">
                    {t.ends} {dateTime(s.endsAt, reader)}
                  </td>
                  <td>{allowed && <ExpireSilence id={s.id} t={t} />}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : (
        <p className="error">
          {t.source_error}: {silences.error}
        </p>
      )}
      {/* Weekly maintenance: each occurrence appears above as a silence a day ahead. */}
      <RecurringList t={t} windows={recurringWindows()} removable={false} />

      <h2>{t.notifications}</h2>
      {history.ok ? (
        <table className="stacked" data-widget="notifications">
          <thead>
            <tr>
              <th>{t.time}</th>
              <th>{t.alerts}</th>
              <th>{t.status}</th>
              <th>{t.channel_states}</th>
            </tr>
          </thead>
          <tbody>
            {history.data.notifications.map((n) => (
              <tr key={n.id} data-notification={n.id}>
                <td className="nowrap">{dateTime(n.received_at, reader)}</td>
                <td translate="no">
                  {n.alertname}
                  {n.alerts > 1 ? ` ×${n.alerts}` : ""}
                </td>
                <td className="nowrap">{statusText(t, n.status)}</td>
                <td className="wide">
                  <div className="steps">
                    {Object.entries(n.deliveries).map(([c, d]) => (
                      <span
                        key={c}
                        className={`pill s-${d.state === "delivered" ? "succeeded" : d.state === "dead" ? "failed" : "pending"}`}
                        title={d.last_error ? `${d.last_error.code}: ${d.last_error.message}` : undefined}
                      >
                        {/* The notifier files a notification whose receiver has no channel under "(none)". */}
                        {c === NO_CHANNEL ? t.no_channel_delivery : `${c} ${statusText(t, d.state)}`}
                      </span>
                    ))}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="error">
          {t.source_error}: {history.error}
        </p>
      )}

      <h2>{t.channels}</h2>
      {channels.ok ? (
        <Channels channels={channels.data.channels} t={t} lang={reader.lang} allowed={allowed} />
      ) : (
        <p className="error">
          {t.source_error}: {channels.error}
        </p>
      )}

      <h2>{t.rules}</h2>
      {rules.ok ? (
        rules.data.map((g) => (
          <RuleGroup key={`${g.file}/${g.name}`} name={g.name} rules={g.rules} t={t} reader={reader} />
        ))
      ) : (
        <p className="error">
          {t.source_error}: {rules.error}
        </p>
      )}
    </main>
  );
}

const groupKey = (g: AmGroup) => `${g.receiver.name}/${JSON.stringify(g.labels)}`;

/** Who took an alert out of the noise, why, and until when; "inhibited" when a bigger alert covers it. */
function Suppression({
  a,
  t,
  reader,
  silenceById,
}: {
  a: AmGroup["alerts"][number];
  t: Dict;
  reader: Reader;
  silenceById: Map<string, AmSilence>;
}) {
  if (a.status.silencedBy.length === 0)
    return a.status.inhibitedBy.length ? <span className="pill s-muted">{t.inhibited}</span> : null;
  return (
    <>
      {a.status.silencedBy.map((id) => {
        const s = silenceById.get(id);
        if (!s)
          return (
            <span key={id} className="pill s-muted">
              {t.silenced}
            </span>
          );
        const ack = s.comment.startsWith(ACK_PREFIX);
        return (
          <div key={id} className="suppressed" data-silence-of={id}>
            <span className="pill s-ok">{ack ? t.acked : t.silenced}</span> <b translate="no">{s.createdBy}</b>:{" "}
            <span translate="no">{ack ? s.comment.slice(ACK_PREFIX.length) : s.comment}</span>
            <div className="muted">
              {t.until} {dateTime(s.endsAt, reader)}
            </div>
          </div>
        );
      })}
    </>
  );
}

function AlertGroup({
  g,
  t,
  reader,
  allowed,
  recoveryHosts,
  recoveryLog,
  rollbacks,
  ackMinutes,
  silenceById,
  changes,
}: {
  g: AmGroup;
  t: Dict;
  reader: Reader;
  allowed: boolean;
  /** The hosts this server may run recovery actions on, for an operator; undefined: none. */
  recoveryHosts?: Set<string>;
  recoveryLog?: Map<string, AuditEntry[]>;
  /** Where a rollback can be offered, for an operator; undefined: none. */
  rollbacks?: RollbackContext;
  ackMinutes: number;
  silenceById: Map<string, AmSilence>;
  changes: { ranked: RankedChange[]; novelty?: NewErrorsSince; sources: SourceState[]; windowHours: number };
}) {
  const scope = groupScope(g);
  return (
    <section className="card group" data-group={groupKey(g)} data-group-labels={JSON.stringify(g.labels)}>
      <h2>
        <span translate="no">{Object.values(g.labels).join(" · ") || "—"}</span> ({g.alerts.length}){" "}
        <span className="muted" translate="no">
          → {g.receiver.name}
        </span>
      </h2>
      {/* Fixed columns, so times and buttons line up from one group card to the next. */}
      <table className="alert-rows">
        <colgroup>
          <col className="c-severity" />
          <col />
          <col className="c-time" />
          <col className="c-state" />
          <col className="c-actions" />
        </colgroup>
        <tbody>
          {g.alerts.map((a) => (
            <tr key={a.fingerprint} data-alertname={a.labels.alertname}>
              <td>
                <span className={`pill s-${a.labels.severity}`}>{severityText(t, a.labels.severity)}</span>
              </td>
              {/* The rule's name and labels, and its summary (in the reader's language) with the labels' values in it. */}
              <td translate="no">
                <div>
                  <b>{a.labels.alertname}</b> {annotationText(a.annotations, "summary", reader.lang)}
                </div>
                <div className="muted labels">
                  {Object.entries(a.labels)
                    .filter(([k]) => k !== "alertname" && k !== "severity")
                    .map(([k, v]) => `${k}=${v}`)
                    .join(", ")}
                </div>
                <RecoveryHistory
                  t={t}
                  reader={reader}
                  labels={a.labels}
                  annotations={a.annotations}
                  entries={recoveryLog?.get(a.fingerprint)}
                />
              </td>
              <td className="nowrap">
                {dateTime(a.startsAt, reader)}
                <div>
                  <a href={alertLogsPath(a.labels, a.startsAt)}>{t.logs_link} →</a>
                </div>
              </td>
              <td data-state={a.status.state}>
                <Suppression a={a} t={t} reader={reader} silenceById={silenceById} />
              </td>
              <td>
                {a.status.state === "active" && (
                  <AlertActions labels={a.labels} t={t} allowed={allowed} ackMinutes={ackMinutes} />
                )}
                <RecoveryActions
                  t={t}
                  lang={reader.lang}
                  fingerprint={a.fingerprint}
                  host={a.labels.host ?? ""}
                  actions={[
                    ...(recoveryHosts?.has(a.labels.host ?? "") ? actionsFor(a.labels, a.annotations) : []),
                    ...(rollbacks ? [rollbackFor(a.labels, rollbacks)].filter((r) => r !== undefined) : []),
                  ]}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <WhatChanged
        {...changes}
        timelinePath={alertTimelinePath(scope?.labels ?? g.labels, scope?.startsAt ?? Date.now(), {
          hoursBefore: changes.windowHours,
          changeAt: changes.ranked[0]?.at,
        })}
        t={t}
        reader={reader}
      />
      <p className="muted">
        <a href={alertsPath(g.labels, { ack: true })}>{t.ack_group} →</a>
      </p>
    </section>
  );
}

/** The notifier's channels, their state, and (for operators) a test message on each. */
function Channels({
  channels,
  t,
  lang,
  allowed,
}: {
  channels: ChannelView[];
  t: Dict;
  lang: string;
  allowed: boolean;
}) {
  const shown = channels.filter((c) => c.type !== "removed");
  if (shown.length === 0) return <p className="empty">{t.no_channel_title}</p>;
  return (
    <table className="stacked" data-widget="channels">
      <thead>
        <tr>
          <th>{t.channel}</th>
          <th>{t.status}</th>
          <th>{t.queued}</th>
          <th>{t.st_dead}</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {shown.map((c) => (
          <tr key={c.name} data-channel={c.name}>
            <td translate="no">
              <b>{c.name}</b> <span className="muted">{c.type}</span>
            </td>
            <td>
              <span className={`pill s-${c.up ? "up" : "down"}`}>{c.up ? t.up : t.down}</span>
              {c.failing && <div className="error">{`${c.failing.code}: ${c.failing.message}`}</div>}
            </td>
            <td className="num" data-label={t.queued}>
              {c.queue.toLocaleString(lang)}
            </td>
            <td className="num" data-label={t.st_dead}>
              {c.dead.toLocaleString(lang)}
            </td>
            <td>{allowed && <TestChannel channel={c.name} t={t} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RuleGroup({ name, rules, t, reader }: { name: string; rules: PromRule[]; t: Dict; reader: Reader }) {
  const alerting = rules.filter((r) => r.type === "alerting");
  const count = (s: string) => alerting.filter((r) => r.state === s).length;
  // "unknown": loaded, not evaluated yet (a rule saved a moment ago) — not a failure.
  const unhealthy = rules.filter((r) => r.health === "err");
  return (
    <details className="card" data-rule-group={name} open={count("firing") + count("pending") + unhealthy.length > 0}>
      <summary>
        <b translate="no">{name}</b>{" "}
        <span className="muted">{t.rules_summary.replace("{n}", String(rules.length))}</span>{" "}
        {count("firing") > 0 && <span className="pill s-critical">{`${t.st_firing} ${count("firing")}`}</span>}{" "}
        {count("pending") > 0 && <span className="pill s-warning">{`${t.st_pending} ${count("pending")}`}</span>}{" "}
        {unhealthy.length > 0 && <span className="pill s-failed">{`${t.unhealthy} ${unhealthy.length}`}</span>}
      </summary>
      {alerting.length > 0 && (
        <table className="rules stacked">
          <thead>
            <tr>
              <th>{t.rule}</th>
              <th>{t.state}</th>
              <th>{t.severity}</th>
              <th>{t.for}</th>
              <th>{t.expression}</th>
              <th>{t.last_evaluation}</th>
            </tr>
          </thead>
          <tbody>
            {alerting.map((r) => (
              <tr key={r.name} data-rule={r.name} data-rule-state={r.state}>
                <td translate="no">{r.name}</td>
                <td>
                  <span
                    className={`pill s-${r.state === "firing" ? "critical" : r.state === "pending" ? "warning" : "ok"}`}
                  >
                    {r.health === "unknown" ? t.rule_not_evaluated : statusText(t, r.state ?? "inactive")}
                  </span>
                  {r.health === "err" && <div className="error">{r.lastError ?? r.health}</div>}
                </td>
                <td className="nowrap">{r.labels?.severity && severityText(t, r.labels.severity)}</td>
                <td className="nowrap" data-label={r.duration ? t.for : undefined}>
                  {r.duration ? durationText(r.duration, reader.lang) : ""}
                </td>
                <td className="wide">
                  <code className="expr">{r.query}</code>
                </td>
                <td className="nowrap" data-label={t.last_evaluation}>
                  {dateTime(r.lastEvaluation, reader)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rules.length > alerting.length && (
        <p className="muted">{t.recording_rules.replace("{n}", String(rules.length - alerting.length))}</p>
      )}
    </details>
  );
}
