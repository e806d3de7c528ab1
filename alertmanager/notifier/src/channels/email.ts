// E-mail through SMTP with nodemailer (STARTTLS, implicit TLS, auth): HTML and text parts; the
// messages of one alert group share a References root, so mail clients thread them.
import { createHash } from "node:crypto";
import type { Transporter } from "nodemailer";
import type { ChannelConfig } from "@opsdeck/core";
import type { Outcome } from "../model.ts";
import { notificationView, renderNotification, type RenderOptions } from "../render.ts";
import { utf8Bytes, type Channel } from "./channel.ts";

type EmailConfig = Extract<ChannelConfig, { type: "email" }>;

export function smtpOutcome(err: unknown): Outcome {
  const e = err as Error & { code?: string; responseCode?: number; response?: string };
  const message = (e.response ?? e.message ?? String(err)).slice(0, 300);
  const rc = e.responseCode;
  if (e.code === "EAUTH" || rc === 535 || rc === 534 || rc === 530)
    return { ok: false, kind: "config", code: `smtp-${rc ?? e.code}`, message };
  if (e.code === "ETLS" || e.code === "EENVELOPE")
    return { ok: false, kind: "config", code: `smtp-${e.code}`, message };
  if (rc && rc >= 500) return { ok: false, kind: "config", code: `smtp-${rc}`, message };
  return { ok: false, kind: "transient", code: `smtp-${rc ?? e.code ?? "error"}`, message };
}

export function threadId(groupKey: string, receiver: string): string {
  return `<group-${createHash("sha256").update(`${receiver}\u0000${groupKey}`).digest("hex").slice(0, 32)}@opsdeck>`;
}

export function emailChannel(name: string, c: EmailConfig, timeoutMs: number, render: RenderOptions): Channel {
  // nodemailer is loaded with the first mail (~15 MB of RSS a notifier without e-mail need not pay).
  let transport: Transporter | undefined;
  const options = {
    host: c.smtp.host,
    port: c.smtp.port,
    secure: c.smtp.secure,
    // STARTTLS whenever the server offers it; require_tls refuses a server that does not.
    requireTLS: !c.smtp.secure && c.smtp.require_tls,
    auth: c.smtp.user ? { user: c.smtp.user, pass: c.smtp.pass ?? "" } : undefined,
    tls: { rejectUnauthorized: c.smtp.verify_certificate },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
  const transporter = async () => (transport ??= (await import("nodemailer")).default.createTransport(options));
  return {
    name,
    type: "email",
    ratePerMinute: c.rate_per_minute,
    format: "html",
    digestFormat: "text",
    maxBytes: 2_000_000,
    measure: (_title, body) => utf8Bytes(body),
    suffix: "",
    custom: c.template,
    async send(content) {
      const first = content.notifications[0];
      const single = !content.digest && content.notifications.length === 1;
      const text = single ? renderNotification(notificationView(first, render), "text", render) : content.body;
      const html = single
        ? content.body
        : `<pre style="font-family:inherit;white-space:pre-wrap">${escapeHtml(content.body)}</pre>`;
      const subject =
        single && c.subject_template
          ? renderNotification(notificationView(first, render), "text", render, c.subject_template)
          : `[OpsDeck] ${content.title}`;
      const thread = single ? threadId(first.payload.groupKey, first.receiver) : undefined;
      try {
        await (
          await transporter()
        ).sendMail({
          from: c.from,
          to: c.to,
          cc: c.cc.length ? c.cc : undefined,
          subject,
          text,
          html,
          messageId: `<${content.notifications
            .map((n) => n.id)
            .join(".")
            .slice(0, 120)}.${name}@opsdeck>`,
          references: thread,
          inReplyTo: thread,
        });
        return { ok: true };
      } catch (err) {
        return smtpOutcome(err);
      }
    },
    close: () => transport?.close(),
  };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
