"use client";
// The recovery actions that fit an alert, for operators: one tap, a confirmation that says
// exactly what will run where, then the host's result in place (each step, how long it took).
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { RecoveryAction } from "@opsdeck/core/actions/action";
import { actionText, type ActionLang } from "@opsdeck/core/actions/action-text";
import { call } from "@/lib/api-call.ts";
import type { Dict } from "@/lib/i18n.ts";
import { FormError } from "@/ui/FormError.tsx";

interface Result {
  /** started: a rollback's deploy began (its id and version). */
  status: "succeeded" | "failed" | "started";
  steps?: { what: string; ok: boolean; error?: string; ms: number }[];
  id?: string;
  version?: string;
}

export function RecoveryActions({
  t,
  lang,
  fingerprint,
  host,
  actions,
}: {
  t: Dict;
  lang: ActionLang;
  fingerprint: string;
  host: string;
  actions: RecoveryAction[];
}) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<{ text: string; result: Result }>();
  if (!actions.length) return null;
  return (
    <div className="actions" data-recovery={fingerprint}>
      <div className="row-actions">
        {actions.map((action) => {
          const text = actionText(action, lang);
          return (
            <button
              key={text}
              disabled={busy}
              data-recovery-action={action.kind}
              onClick={() => {
                const question =
                  action.kind === "rollback"
                    ? t.recovery_confirm_rollback.replace("{what}", text)
                    : t.recovery_confirm.replace("{host}", host).replace("{what}", text);
                if (!window.confirm(question)) return;
                setBusy(true);
                call("POST", "/api/recovery/actions", { fingerprint, action })
                  .then(
                    (r) => {
                      setError(undefined);
                      setResult({ text, result: r as Result });
                      router.refresh();
                    },
                    (err: Error) => setError(err.message),
                  )
                  .finally(() => setBusy(false));
              }}
            >
              {text}
            </button>
          );
        })}
      </div>
      <FormError error={error} />
      {result && (
        <div data-recovery-result={result.result.status}>
          {result.result.status === "started" ? (
            <p className="ok">
              {t.recovery_started.replace("{version}", result.result.version ?? "")}{" "}
              <a href={`/deploys/${encodeURIComponent(result.result.id ?? "")}`}>{t.recovery_follow_deploy} →</a>
            </p>
          ) : (
            <p className={result.result.status === "succeeded" ? "ok" : "error"}>
              {(result.result.status === "succeeded" ? t.recovery_succeeded : t.recovery_failed).replace(
                "{what}",
                result.text,
              )}
            </p>
          )}
          <ul className="plain muted" translate="no">
            {(result.result.steps ?? []).map((s) => (
              <li key={s.what}>
                {s.ok ? "✓" : "✗"} {s.what} ({s.ms.toLocaleString(lang)} ms){s.error && `: ${s.error}`}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
