"use client";
// Each listed host's log key: its state, and for operators issue (a new key revokes the old) and
// revoke. A new key is shown once, as the line the agent's environment takes; OpsDeck keeps no copy.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { csrf } from "@/lib/api-call.ts";
import type { Dict } from "@/lib/i18n.ts";
import { FormError } from "@/ui/FormError.tsx";

export interface LogKeyRow {
  host: string;
  /** "no key", "key issued …", "revoked": already in the reader's words. */
  state: string;
  active: boolean;
  /** Its Filebeat's last write taken ("written 3 s ago"), or why the last was refused (data). */
  written?: string;
  refused?: string;
}

export function LogKeys({
  t,
  allowed,
  rows,
  unavailable,
}: {
  t: Dict;
  allowed: boolean;
  rows: LogKeyRow[];
  /** Why the keys cannot be read: Elasticsearch's security is off, or it did not answer (its words). */
  unavailable?: { securityOff: true } | { error: string };
}) {
  const router = useRouter();
  const [issued, setIssued] = useState<{ host: string; apiKey: string }>();
  const [problem, setProblem] = useState<string>();
  const send = async (method: "POST" | "DELETE", host: string) => {
    const res = await fetch(`/api/hosts/${encodeURIComponent(host)}/log-key`, {
      method,
      headers: { "x-opsdeck-csrf": csrf() },
    });
    const body = (await res.json().catch(() => ({}))) as { error?: string; code?: string; api_key?: string };
    if (!res.ok)
      return setProblem(body.code === "security_off" ? t.log_keys_security_off : (body.error ?? `HTTP ${res.status}`));
    setProblem(undefined);
    setIssued(method === "POST" && body.api_key ? { host, apiKey: body.api_key } : undefined);
    router.refresh();
  };
  return (
    <section className="card" data-log-keys>
      <h2>{t.log_keys}</h2>
      <p className="muted">{t.log_keys_intro}</p>
      {unavailable && "securityOff" in unavailable && <p className="notice">{t.log_keys_security_off}</p>}
      {unavailable && "error" in unavailable && (
        <p className="error" role="alert">
          {t.log_keys_unavailable}: <span translate="no">{unavailable.error}</span>
        </p>
      )}
      <ul className="plain">
        {rows.map((r) => (
          <li key={r.host} data-log-key={r.host}>
            <span translate="no">{r.host}</span> · {r.state}
            {r.written && <> · {r.written}</>}
            {r.refused && (
              <>
                {" "}
                · <span className="pill s-down">{t.log_refused}</span> <span translate="no">{r.refused}</span>
              </>
            )}{" "}
            {allowed && !unavailable && (
              <span className="row-actions">
                <button onClick={() => void send("POST", r.host)}>
                  {r.active ? t.log_key_reissue : t.log_key_issue}
                </button>
                {r.active && (
                  <button
                    onClick={() => {
                      if (window.confirm(t.log_key_revoke_confirm.replace("{name}", r.host)))
                        void send("DELETE", r.host);
                    }}
                  >
                    {t.log_key_revoke}
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
      {issued && (
        <div className="notice" data-issued-log-key={issued.host}>
          <p>{t.log_key_shown_once.replace("{name}", issued.host)}</p>
          <pre translate="no">OPSDECK_ES_API_KEY={issued.apiKey}</pre>
          <p className="muted">
            <code>/etc/opsdeck-agent/filebeat.env</code> · <code>.env</code> (<code>docker-compose.agent.yml</code>)
          </p>
        </div>
      )}
      <FormError error={problem} />
    </section>
  );
}
