"use client";
// Writing a rule: the builder (metric, labels, value, aggregate, comparison) or PromQL, with
// `for`, severity, summaries and descriptions in both languages, a runbook, routing labels and
// an automatic recovery action (a dry run until an operator turns it on).
// Before saving: Check (Prometheus' parser and the warnings), Backtest (how often it would have
// fired, drawn on the series it watches) and Test-fire (where Alertmanager would send it and the
// message each channel would get). Every refusal is the API's, with its position in the reader's
// language.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { csrf } from "@/lib/api-call.ts";
import type { Dict } from "@/lib/i18n.ts";
import { dateTime, type Reader } from "@/lib/time.ts";
import { TimeSeries } from "@/ui/TimeSeries.tsx";
import { AGGREGATES, COMPARISONS, FUNCTIONS, SEVERITIES, type Rule, type RuleInput } from "./rule.ts";
import type { Backtest } from "./backtest.ts";
import type { TestFire } from "./test-fire.ts";
import { AUTOMATIC_KINDS, RECOVERY_MODES, RUNBOOK_PREFIX } from "../recovery/rule-action.ts";

interface Form {
  group: string;
  alert: string;
  mode: "threshold" | "promql";
  metric: string;
  matchers: string;
  function: (typeof FUNCTIONS)[number];
  window: string;
  aggregate: (typeof AGGREGATES)[number];
  by: string;
  comparison: (typeof COMPARISONS)[number];
  threshold: string;
  expr: string;
  for: string;
  severity: (typeof SEVERITIES)[number];
  summary_zh: string;
  summary_en: string;
  description_zh: string;
  description_en: string;
  runbook_url: string;
  labels: string;
  /** "" (none), the action's kind, or "runbook" (its name in recovery_runbook). */
  recovery_action: "" | (typeof AUTOMATIC_KINDS)[number] | "runbook";
  recovery_runbook: string;
  recovery_mode: (typeof RECOVERY_MODES)[number];
  recovery_resolve_within: string;
}

const EMPTY: Form = {
  group: "business",
  alert: "",
  mode: "threshold",
  metric: "",
  matchers: "",
  function: "value",
  window: "5m",
  aggregate: "none",
  by: "",
  comparison: ">",
  threshold: "",
  expr: "",
  for: "5m",
  severity: "warning",
  summary_zh: "",
  summary_en: "",
  description_zh: "",
  description_en: "",
  runbook_url: "",
  labels: "",
  recovery_action: "",
  recovery_runbook: "",
  recovery_mode: "dry-run",
  recovery_resolve_within: "10m",
};

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/;

function formOf(r: RuleInput): Form {
  const c = r.condition;
  return {
    ...EMPTY,
    group: r.group,
    alert: r.alert,
    mode: c.kind,
    ...(c.kind === "threshold"
      ? {
          metric: c.metric,
          matchers: c.matchers.map((m) => `${m.label}${m.op}"${m.value}"`).join(", "),
          function: c.function,
          window: c.window,
          aggregate: c.aggregate,
          by: c.by.join(", "),
          comparison: c.comparison,
          threshold: String(c.threshold),
        }
      : { expr: c.expr }),
    for: r.for,
    severity: r.severity,
    summary_zh: r.summary["zh-CN"],
    summary_en: r.summary.en,
    description_zh: r.description["zh-CN"],
    description_en: r.description.en,
    runbook_url: r.runbook_url ?? "",
    labels: Object.entries(r.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(", "),
    ...(r.recovery && {
      ...(r.recovery.action.startsWith(RUNBOOK_PREFIX)
        ? { recovery_action: "runbook" as const, recovery_runbook: r.recovery.action.slice(RUNBOOK_PREFIX.length) }
        : { recovery_action: r.recovery.action as (typeof AUTOMATIC_KINDS)[number] }),
      recovery_mode: r.recovery.mode,
      recovery_resolve_within: r.recovery.resolve_within,
    }),
  };
}

const list = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** The form as the API takes it; the API checks every field. */
function bodyOf(f: Form, enabled: boolean, overrides: RuleInput["overrides"]) {
  return {
    overrides,
    group: f.group.trim(),
    alert: f.alert.trim(),
    enabled,
    condition:
      f.mode === "promql"
        ? { kind: "promql", expr: f.expr }
        : {
            kind: "threshold",
            metric: f.metric.trim(),
            matchers: list(f.matchers).map((m) => {
              const p = MATCHER.exec(m);
              return p ? { label: p[1], op: p[2], value: p[3] } : { label: m, op: "=", value: "" };
            }),
            function: f.function,
            window: f.window.trim(),
            aggregate: f.aggregate,
            by: list(f.by),
            comparison: f.comparison,
            threshold: f.threshold.trim() === "" ? Number.NaN : Number(f.threshold),
          },
    for: f.for.trim(),
    severity: f.severity,
    summary: { "zh-CN": f.summary_zh, en: f.summary_en },
    description: { "zh-CN": f.description_zh, en: f.description_en },
    runbook_url: f.runbook_url.trim() || undefined,
    recovery: f.recovery_action
      ? {
          action: f.recovery_action === "runbook" ? `${RUNBOOK_PREFIX}${f.recovery_runbook.trim()}` : f.recovery_action,
          mode: f.recovery_mode,
          resolve_within: f.recovery_resolve_within.trim(),
        }
      : undefined,
    labels: Object.fromEntries(
      list(f.labels).map((pair) => {
        const at = pair.indexOf("=");
        return at < 0 ? [pair, ""] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      }),
    ),
  };
}

interface Problem {
  line?: number;
  column?: number;
  detail: string;
}

interface Answer {
  ok: boolean;
  status: number;
  json: {
    error?: string;
    problems?: Problem[];
    emptySelectors?: string[];
    holdingNow?: unknown[];
    checks?: { emptySelectors: string[]; holdingNow: unknown[] };
  } & Record<string, unknown>;
}

async function send(method: string, url: string, body: unknown): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", "x-opsdeck-csrf": csrf() },
    body: JSON.stringify(body),
  });
  return { ok: res.ok, status: res.status, json: (await res.json().catch(() => ({}))) as Answer["json"] };
}

interface BacktestAnswer {
  candidate: Backtest;
  current?: Backtest;
  took_ms: number;
  watched: { metric: Record<string, string>; values: [number, string][] }[];
  threshold?: number;
}

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .filter(([k]) => k !== "__name__")
    .map(([k, v]) => `${k}="${v}"`)
    .join(", ");

export function RuleEditor({
  t,
  reader,
  rule,
  template,
  channels,
  maxDays,
  onClose,
}: {
  t: Dict;
  reader: Reader;
  /** The rule being changed; undefined for a new one. */
  rule?: Rule;
  /** A new rule's starting point: a shipped rule, for an override of it. */
  template?: RuleInput;
  channels: string[];
  maxDays: number;
  onClose: () => void;
}) {
  const router = useRouter();
  const start = rule ?? template;
  const [form, setForm] = useState<Form>(start ? formOf(start) : EMPTY);
  const [error, setError] = useState<Answer["json"]>();
  const [notes, setNotes] = useState<{ empty: string[]; holding: number; ok: boolean }>();
  const [days, setDays] = useState(String(Math.min(7, maxDays)));
  const [result, setResult] = useState<BacktestAnswer>();
  const [fired, setFired] = useState<TestFire>();
  const [sendTo, setSendTo] = useState("");
  const [busy, setBusy] = useState(false);
  const set = (key: keyof Form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  const input = (key: keyof Form, label: string, extra: Record<string, string | boolean> = {}) => (
    <label>
      {label}
      <input name={key} value={form[key]} onChange={set(key)} translate="no" {...extra} />
    </label>
  );
  const select = (key: keyof Form, label: string, options: readonly string[], text: (o: string) => string) => (
    <label>
      {label}
      <select name={key} value={form[key]} onChange={set(key)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {text(o)}
          </option>
        ))}
      </select>
    </label>
  );
  /** Runs one request; a refusal is shown with its position, the answer handed on otherwise. */
  const run = async (method: string, url: string, body: unknown): Promise<Answer["json"] | undefined> => {
    setBusy(true);
    try {
      const answer = await send(method, url, body);
      if (!answer.ok) {
        setError(answer.json.error ? answer.json : { error: `HTTP ${answer.status}` });
        return undefined;
      }
      setError(undefined);
      return answer.json;
    } finally {
      setBusy(false);
    }
  };
  const showChecks = (c?: { emptySelectors?: string[]; holdingNow?: unknown[] }) =>
    c && setNotes({ empty: c.emptySelectors ?? [], holding: c.holdingNow?.length ?? 0, ok: true });
  // An override keeps its shipped rule's group and name (the API holds to them too).
  const overrides = start?.overrides;
  const body = () => bodyOf(form, rule?.enabled ?? true, overrides);

  const chart = result && result.watched.length > 0 && (
    <TimeSeries
      title={t.rule_chart}
      unit="plain"
      reader={reader}
      t={t}
      range={[result.candidate.start / 1000, result.candidate.end / 1000]}
      series={[
        ...result.watched.slice(0, 5).map((s) => ({
          label: labelText(s.metric) || form.metric,
          points: s.values.map(([ts, v]) => [ts, Number(v)] as [number, number]),
        })),
        ...(result.threshold === undefined
          ? []
          : [
              {
                label: t.rule_chart_threshold,
                points: [
                  [result.candidate.start / 1000, result.threshold],
                  [result.candidate.end / 1000, result.threshold],
                ] as [number, number][],
              },
            ]),
        {
          label: t.rule_chart_firing,
          points: result.watched
            .slice(0, 5)
            .flatMap((s) =>
              s.values
                .filter(([ts]) =>
                  result.candidate.periods.some((p) => ts * 1000 >= p.start && ts * 1000 < (p.end ?? Infinity)),
                )
                .map(([ts, v]) => [ts, Number(v)] as [number, number]),
            ),
        },
      ]}
      sparse
    />
  );

  return (
    <form
      className="stack-form"
      data-form="rule"
      onSubmit={(e) => {
        e.preventDefault();
        void run(rule ? "PUT" : "POST", rule ? `/api/alerts/rules/${rule.id}` : "/api/alerts/rules", body()).then(
          (answer) => {
            if (!answer) return;
            showChecks(answer.checks);
            router.refresh();
            onClose();
          },
        );
      }}
    >
      {overrides && (
        <p className="muted" data-override-note>
          {t.rule_override_note.replace("{name}", overrides.alert).replace("{file}", overrides.file)}
        </p>
      )}
      <div className="form-row">
        {input("group", t.rule_group, { required: "", ...(overrides && { readOnly: true }) })}
        {input("alert", t.rule_alert, { required: "", placeholder: "OrdersLow", ...(overrides && { readOnly: true }) })}
        {select("severity", t.rule_severity, SEVERITIES, (s) => t[`sev_${s as (typeof SEVERITIES)[number]}`])}
        {input("for", t.rule_for)}
      </div>
      <fieldset>
        <legend>{t.rule_mode}</legend>
        <label className="check">
          <input
            type="radio"
            name="mode"
            checked={form.mode === "threshold"}
            onChange={() => setForm({ ...form, mode: "threshold" })}
          />{" "}
          {t.rule_mode_builder}
        </label>{" "}
        <label className="check">
          <input
            type="radio"
            name="mode"
            checked={form.mode === "promql"}
            onChange={() => setForm({ ...form, mode: "promql" })}
          />{" "}
          <span translate="no">PromQL</span>
        </label>
        {form.mode === "threshold" ? (
          <div className="form-row">
            {input("metric", t.rule_metric, { placeholder: "shop_orders_total" })}
            {input("matchers", t.rule_matchers)}
            {select("function", t.rule_function, FUNCTIONS, (f) => t[`fn_${f as (typeof FUNCTIONS)[number]}`])}
            {form.function !== "value" && input("window", t.rule_window)}
            {select("aggregate", t.rule_aggregate, AGGREGATES, (a) => t[`agg_${a as (typeof AGGREGATES)[number]}`])}
            {form.aggregate !== "none" && input("by", t.rule_by)}
            {select("comparison", t.rule_comparison, COMPARISONS, (c) => c)}
            {input("threshold", t.rule_threshold, { inputMode: "decimal" })}
          </div>
        ) : (
          <label>
            {t.rule_expr}
            <textarea name="expr" rows={4} value={form.expr} onChange={set("expr")} translate="no" spellCheck={false} />
          </label>
        )}
      </fieldset>
      <div className="form-row">
        {input("summary_zh", t.rule_summary_zh, { required: "" })}
        {input("summary_en", t.rule_summary_en, { required: "" })}
      </div>
      <div className="form-row">
        {input("description_zh", t.rule_description_zh)}
        {input("description_en", t.rule_description_en)}
      </div>
      <div className="form-row">
        {input("runbook_url", t.rule_runbook)}
        {input("labels", t.rule_labels)}
      </div>
      <div className="form-row" data-rule-recovery>
        {select("recovery_action", t.rule_recovery, ["", ...AUTOMATIC_KINDS, "runbook"], (k) =>
          k ? t[`rule_recovery_${k as (typeof AUTOMATIC_KINDS)[number] | "runbook"}`] : t.rule_recovery_none,
        )}
        {form.recovery_action === "runbook" && input("recovery_runbook", t.rule_recovery_runbook_name)}
        {form.recovery_action &&
          select("recovery_mode", t.rule_recovery_mode, RECOVERY_MODES, (m) =>
            m === "on" ? t.rule_recovery_on : t.rule_recovery_dry_run,
          )}
        {form.recovery_action && input("recovery_resolve_within", t.rule_recovery_resolve)}
      </div>
      {error?.error && (
        <p className="error" role="alert" data-rule-error>
          {error.problems?.[0]?.line !== undefined &&
            t.rule_error_at
              .replace("{line}", String(error.problems[0].line))
              .replace("{column}", String(error.problems[0].column))}
          <code>{error.problems?.[0]?.detail ?? error.error}</code>
        </p>
      )}
      {notes && (
        <div data-rule-checks>
          {notes.empty.map((s) => (
            <p key={s} className="warning">
              {t.rule_warn_empty}
              <code>{s}</code>
            </p>
          ))}
          {notes.holding > 0 && <p className="warning">{t.rule_holds_now.replace("{n}", String(notes.holding))}</p>}
          {notes.ok && !notes.empty.length && !notes.holding && <p className="muted">{t.rule_check_ok}</p>}
        </div>
      )}
      <div className="row-actions">
        <button
          type="button"
          disabled={busy}
          onClick={() => void run("POST", "/api/alerts/rules/check", body()).then((a) => a && showChecks(a))}
        >
          {t.rule_check}
        </button>
        <label>
          {t.rule_days}{" "}
          <input
            name="days"
            type="number"
            min={1}
            max={maxDays}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            style={{ width: "4em" }}
          />
        </label>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run("POST", "/api/alerts/rules/backtest", { rule: body(), id: rule?.id, days: Number(days) }).then(
              (a) => a && setResult(a as unknown as BacktestAnswer),
            )
          }
        >
          {t.rule_backtest}
        </button>
        <label>
          {t.rule_send_to}{" "}
          <select name="send" value={sendTo} onChange={(e) => setSendTo(e.target.value)}>
            <option value="">{t.rule_send_none}</option>
            {channels.map((c) => (
              <option key={c} value={c} translate="no">
                {c}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run("POST", "/api/alerts/rules/test-fire", { rule: body(), ...(sendTo && { send: sendTo }) }).then(
              (a) => a && setFired(a as unknown as TestFire),
            )
          }
        >
          {t.rule_test_fire}
        </button>
        <button type="submit" disabled={busy}>
          {t.save}
        </button>
        <button type="button" onClick={onClose}>
          {t.cancel}
        </button>
      </div>
      {result && (
        <section data-backtest>
          <h3>
            {t.rule_backtest_result
              .replace("{k}", result.candidate.periods.length.toLocaleString(reader.lang))
              .replace("{days}", days)}
          </h3>
          {result.current && (
            <p className="muted" data-backtest-current>
              {t.rule_backtest_current.replace("{k}", result.current.periods.length.toLocaleString(reader.lang))}
            </p>
          )}
          <p className="muted">
            {t.rule_backtest_took
              .replace("{ms}", result.took_ms.toLocaleString(reader.lang))
              .replace("{steps}", result.candidate.steps.toLocaleString(reader.lang))}
          </p>
          {/* The legend names series by their labels: data, not words to translate. */}
          <div translate="no">{chart}</div>
          {result.candidate.periods.length > 0 && (
            <div className="table-scroll">
              <table data-periods>
                <thead>
                  <tr>
                    <th>{t.rule_period_start}</th>
                    <th>{t.rule_period_end}</th>
                    <th>{t.rule_period_labels}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.candidate.periods.slice(0, 100).map((p) => (
                    <tr key={`${p.start}${labelText(p.labels)}`}>
                      <td>{dateTime(p.start, reader)}</td>
                      <td>{p.end ? dateTime(p.end, reader) : t.rule_still_firing}</td>
                      <td translate="no">{labelText(p.labels)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
      {fired && (
        <section data-test-fire>
          <h3>{t.rule_test_fire}</h3>
          <p translate="no">
            <code>{labelText(fired.labels)}</code>
          </p>
          {fired.sent && <p>{t.rule_sent}</p>}
          {fired.inhibited_by.map((i) => (
            <p key={i.rule} className="warning">
              {t.rule_inhibited}
              <code>{labelText(i.by)}</code>
            </p>
          ))}
          {fired.silenced_by.map((s) => (
            <p key={s.id} className="warning">
              {t.rule_silenced}
              <span translate="no">
                {s.createdBy}: {s.comment}
              </span>
            </p>
          ))}
          {!fired.inhibited_by.length && !fired.silenced_by.length && <p className="muted">{t.rule_not_muted}</p>}
          {!fired.routes.length && <p className="warning">{t.rule_no_route}</p>}
          {fired.routes.map((r) => (
            <div key={r.receiver} data-route={r.receiver}>
              <p>
                {t.rule_receiver}: <strong translate="no">{r.receiver}</strong> · {t.rule_group_by}:{" "}
                <code>{labelText(r.group)}</code>
              </p>
              {r.channels.length === 0 && <p className="warning">{t.rule_no_channel}</p>}
              {r.channels.map((c) => (
                <details key={c.channel} open data-message={c.type}>
                  <summary>
                    {t.rule_message}: <span translate="no">{c.channel}</span>
                  </summary>
                  <pre className="message-preview">{c.body}</pre>
                </details>
              ))}
            </div>
          ))}
        </section>
      )}
    </form>
  );
}
