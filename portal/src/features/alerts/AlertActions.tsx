"use client";
// Acknowledge (a short silence with who and why) and silence, through the portal's API.
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Dict } from "@/lib/i18n.ts";

const csrf = () =>
  document.cookie
    .split("; ")
    .find((c) => c.startsWith("opsdeck_csrf="))
    ?.split("=")[1] ?? "";

async function call(method: string, url: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", "x-opsdeck-csrf": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok)
    throw new Error(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`);
}

export function AlertActions({
  labels,
  t,
  allowed,
  ackMinutes,
}: {
  labels: Record<string, string>;
  t: Dict;
  allowed: boolean;
  ackMinutes: number;
}) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState(false);
  const [minutes, setMinutes] = useState(60);
  const [comment, setComment] = useState("");
  if (!allowed) return <span className="muted">{t.viewer_cannot}</span>;
  const matchers = Object.entries(labels).map(([name, value]) => ({ name, value }));
  const run = (p: Promise<void>) =>
    p.then(
      () => router.refresh(),
      (e: Error) => setError(e.message),
    );
  return (
    <div className="row-actions">
      <button
        onClick={() => {
          const why = prompt(t.ack_reason);
          if (why) void run(call("POST", "/api/silences", { matchers, minutes: ackMinutes, comment: why, ack: true }));
        }}
      >
        {t.ack}
      </button>
      <button onClick={() => setOpen(!open)}>{t.silence}</button>
      {open && (
        <form
          className="row-actions"
          onSubmit={(e) => {
            e.preventDefault();
            void run(call("POST", "/api/silences", { matchers, minutes, comment }));
          }}
        >
          <label>
            {t.duration_minutes}{" "}
            <input type="number" min={1} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} />
          </label>
          <label>
            {t.comment} <input name="comment" value={comment} onChange={(e) => setComment(e.target.value)} required />
          </label>
          <button className="primary" type="submit">
            {t.create_silence}
          </button>
        </form>
      )}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function ExpireSilence({ id, t }: { id: string; t: Dict }) {
  const router = useRouter();
  return (
    <button onClick={() => void call("DELETE", `/api/silences?id=${id}`).then(() => router.refresh())}>
      {t.expire}
    </button>
  );
}
