"use client";
// Adding a host, and disabling, enabling or removing the hosts the portal added (the hosts
// file). Hosts in opsdeck.yml change there. Each change is on disk, and in Prometheus' target
// files, when the page refreshes.
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { WatchedHost } from "@opsdeck/core/hosts/host-list";
import { call } from "@/lib/api-call.ts";
import type { Dict } from "@/lib/i18n.ts";
import { FormError } from "@/ui/FormError.tsx";

/** "env=production, role=web" → { env: "production", role: "web" }; the API checks the names. */
const parseLabels = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(/[,\s]+/)
      .filter(Boolean)
      .map((pair) => {
        const at = pair.indexOf("=");
        return at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
      }),
  );

const port = (text: string) => (text.trim() === "" ? false : Number(text));

export function HostManager({ t, allowed, hosts }: { t: Dict; allowed: boolean; hosts: WatchedHost[] }) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ name: "", address: "", labels: "", node: "9100", pm2: "9209" });
  const done = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(undefined);
        router.refresh();
      },
      (err: Error) => setError(err.message),
    );
  const field = (key: keyof typeof form, label: string, extra: Record<string, string> = {}) => (
    <label>
      {label}
      <input
        name={key}
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        translate="no"
        {...extra}
      />
    </label>
  );
  return (
    <section className="card" data-host-manager>
      <h2>{t.hosts_added_here}</h2>
      {hosts.length === 0 && <p className="muted">{t.hosts_none_added}</p>}
      <ul className="plain">
        {hosts.map((h) => (
          <li key={h.name} data-managed-host={h.name}>
            <span translate="no">
              {h.name} ({h.address})
            </span>{" "}
            {!h.enabled && <span className="pill s-stopped">{t.host_disabled}</span>}{" "}
            {allowed && (
              <span className="row-actions">
                <button
                  onClick={() =>
                    done(call("PATCH", `/api/hosts/${encodeURIComponent(h.name)}`, { enabled: !h.enabled }))
                  }
                >
                  {h.enabled ? t.disable : t.enable}
                </button>
                <button
                  onClick={() => {
                    if (window.confirm(t.host_remove_confirm.replace("{name}", h.name)))
                      void done(call("DELETE", `/api/hosts/${encodeURIComponent(h.name)}`));
                  }}
                >
                  {t.remove}
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
      {!allowed ? (
        <p className="muted">{t.viewer_cannot_hosts}</p>
      ) : (
        <>
          <button aria-expanded={open} onClick={() => setOpen(!open)}>
            {t.add_host}
          </button>
          {open && (
            <form
              className="stack-form"
              data-form="add-host"
              onSubmit={(e) => {
                e.preventDefault();
                void done(
                  call("POST", "/api/hosts", {
                    name: form.name.trim(),
                    address: form.address.trim(),
                    labels: parseLabels(form.labels),
                    node_exporter: port(form.node),
                    pm2_exporter: port(form.pm2),
                  }),
                ).then(() => setOpen(false));
              }}
            >
              {field("name", t.host, { required: "required", placeholder: "app-1" })}
              {field("address", t.address, { required: "required", placeholder: "10.0.0.11" })}
              {field("labels", t.labels, { placeholder: t.labels_hint })}
              {field("node", t.node_exporter_port, { inputMode: "numeric" })}
              {field("pm2", t.pm2_exporter_port, { inputMode: "numeric" })}
              <p className="muted">{t.exporter_port_hint}</p>
              <button type="submit">{t.add_host}</button>
            </form>
          )}
        </>
      )}
      <FormError error={error} />
    </section>
  );
}
