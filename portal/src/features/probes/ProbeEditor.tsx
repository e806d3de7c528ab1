"use client";
// Adding a probe, and changing, disabling, enabling or removing the probes added here (the
// portal's probes file). opsdeck.yml's probes change there. The API checks everything the form
// sends (the same schema as opsdeck.yml's) and says which field is wrong; blackbox and Prometheus
// run the change within seconds, without a restart.
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Probe } from "@opsdeck/core/config";
import { call } from "@/lib/api-call.ts";
import type { Dict } from "@/lib/i18n.ts";
import { FormError } from "@/ui/FormError.tsx";

const TYPES = ["http", "tcp", "tls", "dns", "icmp"] as const;
const DNS_TYPES = ["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "SRV"] as const;

interface Form {
  name: string;
  display_name: string;
  type: Probe["type"];
  target: string;
  status: string;
  keyword: string;
  json: string;
  headers: string;
  follow_redirects: boolean;
  query_name: string;
  query_type: string;
  answer: string;
  timeout_seconds: string;
  slow_ms: string;
  depends_on_host: string;
  depends_on_app: string;
  vantage_hosts: string;
  agree: string;
  labels: string;
  public: boolean;
}

const EMPTY: Form = {
  name: "",
  display_name: "",
  type: "http",
  target: "",
  status: "",
  keyword: "",
  json: "",
  headers: "",
  follow_redirects: true,
  query_name: "",
  query_type: "A",
  answer: "",
  timeout_seconds: "5",
  slow_ms: "",
  depends_on_host: "",
  depends_on_app: "",
  vantage_hosts: "",
  agree: "",
  labels: "",
  public: false,
};

/** A probe as the form shows it. */
function formOf(p: Probe): Form {
  return {
    name: p.name,
    display_name: p.display_name ?? "",
    type: p.type,
    target: p.target,
    status: p.http?.status?.join(", ") ?? "",
    keyword: p.http?.keyword ?? "",
    json: p.http?.json ?? "",
    headers: Object.entries(p.http?.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join("\n"),
    follow_redirects: p.http?.follow_redirects ?? true,
    query_name: p.dns?.query_name ?? "",
    query_type: p.dns?.query_type ?? "A",
    answer: p.dns?.answer ?? "",
    timeout_seconds: String(p.timeout_seconds),
    slow_ms: p.slow_ms ? String(p.slow_ms) : "",
    depends_on_host: p.depends_on?.host ?? "",
    depends_on_app: p.depends_on?.app ?? "",
    vantage_hosts: p.vantage_points?.hosts.join(", ") ?? "",
    agree: p.vantage_points?.agree ? String(p.vantage_points.agree) : "",
    labels: Object.entries(p.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(", "),
    public: p.public,
  };
}

/** "a=1, b=2" and "Name: value" lines as objects; the API checks the names and values. */
const pairs = (text: string, split: RegExp, sep: string) =>
  Object.fromEntries(
    text
      .split(split)
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const at = part.indexOf(sep);
        return at < 0 ? [part, ""] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
      }),
  );

/** The form as the API takes it: only what was filled in, so opsdeck.yml's defaults apply. */
function bodyOf(f: Form, enabled: boolean): Record<string, unknown> {
  const text = (value: string) => value.trim() || undefined;
  const number = (value: string) => (value.trim() === "" ? undefined : Number(value));
  const dependsOn = { host: text(f.depends_on_host), app: text(f.depends_on_app) };
  return {
    name: f.name.trim(),
    display_name: text(f.display_name),
    type: f.type,
    target: f.target.trim(),
    ...(f.type === "http" && {
      http: {
        status: f.status.trim()
          ? f.status
              .split(/[,\s]+/)
              .filter(Boolean)
              .map(Number)
          : undefined,
        keyword: text(f.keyword),
        json: text(f.json),
        headers: pairs(f.headers, /\n/, ":"),
        follow_redirects: f.follow_redirects,
      },
    }),
    ...(f.type === "dns" && {
      dns: { query_name: f.query_name.trim(), query_type: f.query_type, answer: text(f.answer) },
    }),
    timeout_seconds: number(f.timeout_seconds),
    slow_ms: number(f.slow_ms),
    ...((dependsOn.host || dependsOn.app) && { depends_on: dependsOn }),
    ...(f.vantage_hosts.trim() && {
      vantage_points: { hosts: f.vantage_hosts.split(/[,\s]+/).filter(Boolean), agree: number(f.agree) },
    }),
    labels: pairs(f.labels, /[,\n]/, "="),
    public: f.public,
    enabled,
  };
}

export function ProbeEditor({ t, probes }: { t: Dict; probes: Probe[] }) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  /** The probe being edited, "" for a new one, undefined with the form closed. */
  const [editing, setEditing] = useState<string>();
  const [form, setForm] = useState<Form>(EMPTY);
  const done = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(undefined);
        router.refresh();
        return true;
      },
      (err: Error) => {
        setError(err.message);
        return false;
      },
    );
  const open = (probe?: Probe) => {
    setEditing(probe?.name ?? "");
    setForm(probe ? formOf(probe) : EMPTY);
    setError(undefined);
  };
  const input = (key: keyof Form, label: string, extra: Record<string, string> = {}) => (
    <label>
      {label}
      <input
        name={key}
        value={form[key] as string}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        translate="no"
        {...extra}
      />
    </label>
  );
  const check = (key: "follow_redirects" | "public", label: string) => (
    <label className="check">
      <input
        type="checkbox"
        name={key}
        checked={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.checked })}
      />{" "}
      {label}
    </label>
  );
  const editedProbe = probes.find((p) => p.name === editing);
  return (
    <section className="card" data-probe-editor>
      <h2>{t.probes_added_here}</h2>
      {probes.length === 0 && <p className="muted">{t.probes_none_added}</p>}
      <ul className="plain">
        {probes.map((p) => (
          <li key={p.name} data-managed-probe={p.name}>
            <span translate="no">
              {p.name} <span className="muted">{p.type}</span>
            </span>{" "}
            {!p.enabled && <span className="pill s-stopped">{t.host_disabled}</span>}{" "}
            <span className="row-actions">
              <button onClick={() => open(p)}>{t.edit}</button>
              <button
                onClick={() =>
                  void done(call("PATCH", `/api/probes/${encodeURIComponent(p.name)}`, { enabled: !p.enabled }))
                }
              >
                {p.enabled ? t.disable : t.enable}
              </button>
              <button
                onClick={() => {
                  if (window.confirm(t.probe_remove_confirm.replace("{name}", p.name)))
                    void done(call("DELETE", `/api/probes/${encodeURIComponent(p.name)}`));
                }}
              >
                {t.remove}
              </button>
            </span>
          </li>
        ))}
      </ul>
      <button aria-expanded={editing === ""} onClick={() => (editing === "" ? setEditing(undefined) : open())}>
        {t.add_probe}
      </button>
      {editing !== undefined && (
        <form
          className="stack-form"
          data-form="probe"
          onSubmit={(e) => {
            e.preventDefault();
            const body = bodyOf(form, editedProbe?.enabled ?? true);
            const request = editing
              ? call("PUT", `/api/probes/${encodeURIComponent(editing)}`, body)
              : call("POST", "/api/probes", body);
            void done(request).then((ok) => ok && setEditing(undefined));
          }}
        >
          <h3>{editing ? t.probe_edit.replace("{name}", editing) : t.add_probe}</h3>
          {input("name", t.probe_name, {
            required: "required",
            placeholder: "shop-home",
            ...(editing ? { readOnly: "readOnly" } : {}),
          })}
          <label>
            {t.probe_type}
            <select
              name="type"
              value={form.type}
              onChange={(e) => setForm({ ...form, type: e.target.value as Form["type"] })}
            >
              {TYPES.map((type) => (
                <option key={type} value={type}>
                  {t[`probe_type_${type}`]}
                </option>
              ))}
            </select>
          </label>
          {input("target", t.probe_target, { required: "required", placeholder: t[`probe_target_hint_${form.type}`] })}
          {form.type === "http" && (
            <fieldset>
              <legend>{t.probe_http_checks}</legend>
              {input("status", t.probe_status, { placeholder: t.probe_status_hint, inputMode: "numeric" })}
              {input("keyword", t.probe_keyword)}
              {input("json", t.probe_json, { placeholder: 'body.status == "ok"' })}
              <label>
                {t.probe_headers}
                <textarea
                  name="headers"
                  rows={2}
                  value={form.headers}
                  onChange={(e) => setForm({ ...form, headers: e.target.value })}
                  placeholder="X-Api-Key: …"
                  translate="no"
                />
              </label>
              <p className="muted">{t.probe_headers_hint}</p>
              {check("follow_redirects", t.probe_follow_redirects)}
            </fieldset>
          )}
          {form.type === "dns" && (
            <fieldset>
              <legend>{t.probe_dns_question}</legend>
              {input("query_name", t.probe_query_name, { required: "required", placeholder: "shop.example.com" })}
              <label>
                {t.probe_query_type}
                <select
                  name="query_type"
                  value={form.query_type}
                  onChange={(e) => setForm({ ...form, query_type: e.target.value })}
                >
                  {DNS_TYPES.map((type) => (
                    <option key={type}>{type}</option>
                  ))}
                </select>
              </label>
              {input("answer", t.probe_answer, { placeholder: "\\b10\\.0\\.0\\.21$" })}
            </fieldset>
          )}
          {input("timeout_seconds", t.probe_timeout, { inputMode: "decimal" })}
          {input("slow_ms", t.probe_slow_ms, { inputMode: "numeric" })}
          {input("depends_on_host", t.probe_depends_on_host, { placeholder: "app-1" })}
          {input("depends_on_app", t.probe_depends_on_app, { placeholder: "demo-shop" })}
          {input("vantage_hosts", t.probe_vantage_hosts, { placeholder: "app-2, app-3" })}
          {input("agree", t.probe_agree, { inputMode: "numeric", placeholder: t.probe_agree_hint })}
          {input("labels", t.labels, { placeholder: t.probe_labels_hint })}
          {input("display_name", t.probe_display_name)}
          {check("public", t.probe_public)}
          <span className="row-actions">
            <button className="primary" type="submit">
              {editing ? t.save : t.add_probe}
            </button>
            <button type="button" onClick={() => setEditing(undefined)}>
              {t.cancel}
            </button>
          </span>
        </form>
      )}
      <FormError error={error} />
    </section>
  );
}
