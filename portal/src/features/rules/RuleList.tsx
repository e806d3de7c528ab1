"use client";
// The portal's rules with what Prometheus says of each (loaded, firing, last evaluated), and
// for those who may change them: edit, disable / enable, remove, a new rule, a rule file imported.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { call, csrf } from "@/lib/api-call.ts";
import type { Dict } from "@/lib/i18n.ts";
import type { Reader } from "@/lib/time.ts";
import { FormError } from "@/ui/FormError.tsx";
import { RuleEditor } from "./RuleEditor.tsx";
import type { Rule } from "./rule.ts";

export interface ListedRule extends Rule {
  expr: string;
  may_change: boolean;
  /** An override of a rule no longer shipped. */
  orphaned?: boolean;
  prometheus?: { state?: string; health: string; lastEvaluation: string; firing: number; pending: number };
}

export function RuleList({
  t,
  reader,
  rules,
  canWrite,
  channels,
  maxDays,
}: {
  t: Dict;
  reader: Reader;
  rules: ListedRule[];
  /** May change some group (an operator or admin). */
  canWrite: boolean;
  channels: string[];
  maxDays: number;
}) {
  const router = useRouter();
  /** The rule being edited; "" for a new one; undefined: the form is closed. */
  const [editing, setEditing] = useState<string>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const done = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(undefined);
        router.refresh();
      },
      (err: Error) => setError(err.message),
    );
  const stateText = (r: ListedRule) => {
    const p = r.prometheus;
    if (!r.enabled) return <span className="pill s-stopped">{t.rule_disabled}</span>;
    if (!p) return <span className="pill s-muted">{t.rule_not_loaded}</span>;
    if (p.firing) return <span className="pill s-down">{t.rule_state_firing.replace("{n}", String(p.firing))}</span>;
    if (p.pending)
      return <span className="pill s-warning">{t.rule_state_pending.replace("{n}", String(p.pending))}</span>;
    return <span className="pill s-up">{t.rule_state_inactive}</span>;
  };
  return (
    <section className="card" data-rules>
      <h2>{t.rules_portal}</h2>
      {rules.length === 0 && <p className="muted">{t.rules_none}</p>}
      <ul className="plain">
        {rules.map((r) => (
          <li key={r.id} data-rule={r.alert}>
            <strong translate="no">{r.alert}</strong>{" "}
            <span className="muted" translate="no">
              {r.group}
            </span>{" "}
            {stateText(r)} <span className="muted">{t[`sev_${r.severity}`]}</span>
            {r.overrides && (
              <>
                {" "}
                <span className="pill s-muted" data-overrides={r.overrides.file}>
                  {t.rule_override_of.replace("{file}", r.overrides.file)}
                </span>
                {r.orphaned && (
                  <>
                    {" "}
                    <span className="pill s-warning" data-orphaned>
                      {t.rule_override_orphaned}
                    </span>
                  </>
                )}
              </>
            )}
            <br />
            <code className="wrap">{r.expr}</code>
            {r.may_change ? (
              <span className="row-actions">
                <button onClick={() => setEditing(editing === r.id ? undefined : r.id)}>{t.edit}</button>
                <button onClick={() => void done(call("PATCH", `/api/alerts/rules/${r.id}`, { enabled: !r.enabled }))}>
                  {r.enabled ? t.disable : t.enable}
                </button>
                <button
                  onClick={() => {
                    const ask = r.overrides ? t.rule_override_revert_confirm : t.rule_remove_confirm;
                    if (window.confirm(ask.replace("{name}", r.alert)))
                      void done(call("DELETE", `/api/alerts/rules/${r.id}`));
                  }}
                >
                  {r.overrides ? t.rule_override_revert : t.remove}
                </button>
                {!r.overrides && (
                  <a href={`/api/alerts/rules/export?group=${encodeURIComponent(r.group)}`}>{t.export}</a>
                )}
              </span>
            ) : (
              canWrite && <p className="muted">{t.rule_read_only}</p>
            )}
            {editing === r.id && (
              <RuleEditor
                t={t}
                reader={reader}
                rule={r}
                channels={channels}
                maxDays={maxDays}
                onClose={() => setEditing(undefined)}
              />
            )}
          </li>
        ))}
      </ul>
      <FormError error={error} />
      {note && <p className="muted">{note}</p>}
      {canWrite && (
        <>
          <button aria-expanded={editing === ""} onClick={() => setEditing(editing === "" ? undefined : "")}>
            {t.rule_new}
          </button>{" "}
          <label className="file-button">
            {t.rule_import}{" "}
            <input
              type="file"
              accept=".yml,.yaml"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (!file) return;
                void file.text().then(async (text) => {
                  const res = await fetch("/api/alerts/rules/import", {
                    method: "POST",
                    headers: { "content-type": "application/yaml", "x-opsdeck-csrf": csrf() },
                    body: text,
                  });
                  const answer = (await res.json().catch(() => ({}))) as { error?: string; imported?: number };
                  if (!res.ok) return setError(answer.error ?? `HTTP ${res.status}`);
                  setNote(t.rule_imported.replace("{n}", String(answer.imported ?? 0)));
                  router.refresh();
                });
              }}
            />
          </label>
          {editing === "" && (
            <RuleEditor
              t={t}
              reader={reader}
              channels={channels}
              maxDays={maxDays}
              onClose={() => setEditing(undefined)}
            />
          )}
        </>
      )}
    </section>
  );
}
