"use client";
// Acknowledge (a short silence with who and why) and silence, through the portal's API; and a
// test message on a notification channel. Each opens a small form in place (no browser prompt:
// it works the same on a phone opened from a DingTalk message).
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Dict } from "@/lib/i18n.ts";
import { call } from "@/lib/api-call.ts";

type Form = "ack" | "silence" | undefined;

export function AlertActions({
  labels,
  t,
  allowed,
  ackMinutes,
  open: initiallyOpen,
}: {
  labels: Record<string, string>;
  t: Dict;
  allowed: boolean;
  ackMinutes: number;
  /** The form to show at once (the one-tap link from a chat message opens "ack"). */
  open?: Form;
}) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<Form>(initiallyOpen);
  const [minutes, setMinutes] = useState(initiallyOpen === "ack" ? ackMinutes : 60);
  const [comment, setComment] = useState("");
  if (!allowed) return <span className="muted">{t.viewer_cannot}</span>;
  const matchers = Object.entries(labels).map(([name, value]) => ({ name, value }));
  const show = (form: Form) => {
    setOpen(open === form ? undefined : form);
    setMinutes(form === "ack" ? ackMinutes : 60);
  };
  return (
    <div className="actions">
      <div className="row-actions">
        <button aria-expanded={open === "ack"} onClick={() => show("ack")}>
          {t.ack}
        </button>
        <button aria-expanded={open === "silence"} onClick={() => show("silence")}>
          {t.silence}
        </button>
      </div>
      {open && (
        <form
          className="stack-form"
          data-form={open}
          onSubmit={(e) => {
            e.preventDefault();
            call("POST", "/api/silences", { matchers, minutes, comment, ack: open === "ack" }).then(
              () => router.refresh(),
              (err: Error) => setError(err.message),
            );
          }}
        >
          <label>
            {open === "ack" ? t.ack_reason : t.comment}
            <input
              name="comment"
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              placeholder={open === "ack" ? t.ack_reason_hint : undefined}
              required
              autoFocus
            />
          </label>
          <label>
            {t.duration_minutes}
            <input
              name="minutes"
              type="number"
              min={1}
              value={minutes}
              onChange={(e) => setMinutes(Number(e.target.value))}
            />
          </label>
          <button className="primary" type="submit">
            {open === "ack" ? t.ack : t.create_silence}
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
    <button
      className="nowrap"
      onClick={() => void call("DELETE", `/api/silences?id=${id}`).then(() => router.refresh())}
    >
      {t.expire}
    </button>
  );
}

/** Sends a test message through one channel, and says whether the notifier took it. */
export function TestChannel({ channel, t }: { channel: string; t: Dict }) {
  const router = useRouter();
  const [said, setSaid] = useState<{ ok: boolean; text: string }>();
  return (
    <span className="row-actions">
      <button
        className="nowrap"
        data-test-channel={channel}
        onClick={() =>
          call("POST", "/api/channels/test", { channel }).then(
            () => {
              setSaid({ ok: true, text: t.test_sent });
              router.refresh();
            },
            (err: Error) => setSaid({ ok: false, text: err.message }),
          )
        }
      >
        {t.send_test}
      </button>
      {said && (
        <span className={said.ok ? "muted" : "error"} role="status">
          {said.text}
        </span>
      )}
    </span>
  );
}
