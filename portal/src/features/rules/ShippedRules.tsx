"use client";
// The rules shipped with OpsDeck, with Prometheus' state of each; for those who may change their
// group, an override started from the shipped rule (the editor, with backtest beside the
// original), and the revert that restores the original.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { call } from "@/lib/api-call.ts";
import type { Dict } from "@/lib/i18n.ts";
import type { Reader } from "@/lib/time.ts";
import { FormError } from "@/ui/FormError.tsx";
import { RuleEditor } from "./RuleEditor.tsx";
import type { RuleInput } from "./rule.ts";

export interface ListedShippedRule {
  file: string;
  group: string;
  alert: string;
  labels: Record<string, string>;
  state?: string;
  /** The id of the portal rule overriding this one. */
  override?: string;
  /** The shipped rule as the editor's start (absent when the portal cannot read the files). */
  original?: RuleInput;
  may_change: boolean;
}

export function ShippedRules({
  t,
  reader,
  rules,
  channels,
  maxDays,
}: {
  t: Dict;
  reader: Reader;
  rules: ListedShippedRule[];
  channels: string[];
  maxDays: number;
}) {
  const router = useRouter();
  const [editing, setEditing] = useState<ListedShippedRule>();
  const [error, setError] = useState<string>();
  const keyOf = (r: ListedShippedRule) => JSON.stringify([r.file, r.alert, r.labels]);
  const stateText = (r: ListedShippedRule) =>
    r.state === "firing"
      ? t.rule_state_firing.replace("{n}", "")
      : r.state === "pending"
        ? t.rule_state_pending.replace("{n}", "")
        : r.override
          ? t.rule_overridden
          : t.rule_state_inactive;
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th>{t.rule_alert}</th>
              <th>{t.rule_group}</th>
              <th>{t.state}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={keyOf(r)} data-shipped-rule={r.alert} data-shipped-file={r.file}>
                <td translate="no">
                  {r.alert}
                  {Object.keys(r.labels).length > 0 && (
                    <span className="muted">
                      {" "}
                      ·{" "}
                      {Object.entries(r.labels)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(", ")}
                    </span>
                  )}
                </td>
                <td translate="no">{r.group}</td>
                <td>{stateText(r)}</td>
                <td>
                  {r.may_change && r.override && (
                    <button
                      onClick={() => {
                        if (!window.confirm(t.rule_override_revert_confirm.replace("{name}", r.alert))) return;
                        call("DELETE", `/api/alerts/rules/${r.override}`).then(
                          () => router.refresh(),
                          (err: Error) => setError(err.message),
                        );
                      }}
                    >
                      {t.rule_override_revert}
                    </button>
                  )}
                  {r.may_change && !r.override && r.original && (
                    <button
                      aria-expanded={editing && keyOf(editing) === keyOf(r)}
                      onClick={() => setEditing(editing && keyOf(editing) === keyOf(r) ? undefined : r)}
                    >
                      {t.rule_override}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <FormError error={error} />
      {editing?.original && (
        <RuleEditor
          key={keyOf(editing)}
          t={t}
          reader={reader}
          template={editing.original}
          channels={channels}
          maxDays={maxDays}
          onClose={() => setEditing(undefined)}
        />
      )}
    </>
  );
}
