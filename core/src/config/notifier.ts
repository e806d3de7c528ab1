// The `notifier:` section of opsdeck.yml: channels (DingTalk, WeCom, e-mail, webhook), the
// Alertmanager receivers they serve, retries, escalation and the dead-man's switch.
import { z } from "zod";
import { bool, int, num, port, REDIS_URL, secret, unsetIfEmpty } from "./zod.ts";

const NAME = /^[a-zA-Z0-9_.-]+$/;
const perMinute = (d: number) => int().pipe(z.number().min(1).max(600)).default(d);
const list = z.array(z.string().min(1)).default([]);
/** A custom template (Liquid); unset = the built-in one in the notifier's language. */
const template = unsetIfEmpty(z.string());

const dingtalk = z
  .object({
    type: z.literal("dingtalk"),
    /** The access_token from the robot's webhook URL. */
    access_token: z.string().min(1),
    /** The robot's signing secret (加签, "SEC…"); unset if the robot uses keywords or IPs only. */
    secret: unsetIfEmpty(z.string().min(1)),
    base_url: z.url().default("https://oapi.dingtalk.com"),
    at_mobiles: list,
    at_user_ids: list,
    at_all: bool().default(false),
    rate_per_minute: perMinute(20),
    max_bytes: int().pipe(z.number().min(256)).default(20_000),
    template,
  })
  .strict();

const wecom = z
  .object({
    type: z.literal("wecom"),
    /** The key from the group robot's webhook URL. */
    key: z.string().min(1),
    base_url: z.url().default("https://qyapi.weixin.qq.com"),
    /** Mention by mobile: WeCom markdown cannot, so such messages are sent as text. */
    mentioned_mobiles: list,
    /** Mention by user id, or "@all". */
    mentioned_users: list,
    rate_per_minute: perMinute(20),
    max_bytes: int().pipe(z.number().min(256)).default(4096),
    template,
  })
  .strict();

const email = z
  .object({
    type: z.literal("email"),
    smtp: z
      .object({
        host: z.string().min(1),
        port: port(587, 1),
        /** Implicit TLS (usually port 465). */
        secure: bool().default(false),
        /** Refuse a server without STARTTLS when not `secure` (STARTTLS is used whenever offered either way). */
        require_tls: bool().default(true),
        user: unsetIfEmpty(z.string()),
        pass: unsetIfEmpty(z.string()),
        /** Check the server's certificate; turn off only for a test server. */
        verify_certificate: bool().default(true),
      })
      .strict(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    cc: list,
    rate_per_minute: perMinute(60),
    subject_template: template,
    template,
  })
  .strict();

const webhook = z
  .object({
    type: z.literal("webhook"),
    url: z.url(),
    headers: z.record(z.string(), z.string()).default({}),
    rate_per_minute: perMinute(600),
  })
  .strict();

export const channelSchema = z.discriminatedUnion("type", [dingtalk, wecom, email, webhook]);

const receiverSchema = z
  .object({
    channels: z.array(z.string()).min(1),
    /** Critical alerts still firing and not acknowledged (silenced) after N minutes go here too. */
    escalation: z
      .object({
        after_minutes: num().pipe(z.number().positive()).default(30),
        channels: z.array(z.string()).min(1),
      })
      .strict()
      .optional(),
  })
  .strict();

export const notifierSchema = z
  .object({
    enabled: bool().default(true),
    host: z.string().min(1).default("127.0.0.1"),
    port: port(8060),
    /** Required: the bearer token Alertmanager (and the portal) send. */
    token: secret,
    data_dir: z.string().default("data/notifier"),
    max_body_bytes: int().pipe(z.number().min(1024)).default(1_048_576),
    language: z.enum(["zh-CN", "en"]).default("zh-CN"),
    /** IANA time zone for times in messages. */
    timezone: z.string().default("Asia/Shanghai"),
    /** Every HTTP and SMTP call to a channel gives up after this long (and is retried). */
    timeout_seconds: num().pipe(z.number().positive().max(120)).default(10),
    links: z
      .object({
        portal_url: unsetIfEmpty(z.url()),
        prometheus_url: unsetIfEmpty(z.url()),
        alertmanager_url: unsetIfEmpty(z.url()),
        /** Relative runbook_url annotations (docs/runbooks.md#…) are resolved against this. */
        runbook_base_url: unsetIfEmpty(z.url()),
      })
      .strict()
      .prefault({}),
    /** Where the notifier asks whether an alert is silenced (acknowledged), for escalation. */
    alertmanager_url: unsetIfEmpty(z.url()),
    /**
     * "What changed before this alert?" as one line in each alert's message: asked of the portal
     * (as the notifier reaches it) when the message is sent, and left out if it does not answer
     * within timeout_ms. Unset portal_url: no line.
     */
    changes: z
      .object({
        portal_url: unsetIfEmpty(z.url()),
        timeout_ms: int().pipe(z.number().min(50).max(5000)).default(800),
      })
      .strict()
      .prefault({}),
    retry: z
      .object({
        initial_seconds: num().pipe(z.number().positive()).default(5),
        max_seconds: num().pipe(z.number().positive()).default(600),
        /** After this long undelivered, a notification becomes a dead letter (kept, visible, retryable by hand). */
        give_up_hours: num().pipe(z.number().positive()).default(24),
        /** A channel failing on its configuration is probed again this often. */
        probe_failing_minutes: num().pipe(z.number().positive()).default(5),
      })
      .strict()
      .prefault({}),
    /**
     * A recovery result for an alert of a new group, whose first message has not gone out yet
     * (Alertmanager holds a new group for group_wait), waits for that message on each channel, at
     * most this long, so the thread reads alert first, then result.
     */
    follow_up_hold_seconds: num().pipe(z.number().min(0).max(3600)).default(360),
    /**
     * Alertmanager peers in a cluster (and a peer retrying a webhook) may each send one
     * notification: a copy of one received this recently (same receiver, group, status, alerts)
     * is acknowledged and dropped. Keep it below the routes' repeat_interval, above the peers'
     * count × --cluster.peer-timeout (15 s) plus a webhook's time.
     */
    peer_copies_seconds: num().pipe(z.number().min(0).max(3600)).default(120),
    /**
     * Where received notifications wait for delivery. "local": the journal under data_dir (one
     * notifier). redis://[:password@]host:port or redis-sentinel://[:password@]h1:p1,h2:p2/master:
     * a Redis stream that several notifiers deliver from together (docs/scaling.md).
     */
    queue: z
      .string()
      .regex(
        new RegExp(`^(local|${REDIS_URL.source})$`),
        'is "local", redis://[:password@]host:port or redis-sentinel://[:password@]host:port,…/master',
      )
      .default("local"),
    /** On a Redis queue: this notifier's name in the consumer group, the same across its restarts. */
    instance: unsetIfEmpty(z.string().regex(NAME, "letters, digits and . _ - only")),
    /** On a Redis queue: another notifier's deliveries untouched this long are taken over. */
    claim_idle_seconds: num().pipe(z.number().min(1).max(3600)).default(30),
    /** Delivered notifications are kept in the history this long. */
    history_days: num().pipe(z.number().positive()).default(14),
    channels: z.record(z.string().regex(NAME, "letters, digits and . _ - only"), channelSchema).default({}),
    /** Alertmanager receiver name → channels. A receiver not listed here uses `default`. */
    receivers: z.record(z.string(), receiverSchema).default({}),
    heartbeat: z
      .object({
        /** The Alertmanager receiver the Watchdog is routed to. */
        receiver: z.string().default("heartbeat"),
        /** No Watchdog for this long → "the monitoring pipeline is broken". */
        timeout_minutes: num().pipe(z.number().positive()).default(5),
        /** Where to say it; empty = the channels of the `default` receiver. */
        channels: list,
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((n, ctx) => {
    const known = new Set(Object.keys(n.channels));
    const check = (names: string[], path: (string | number)[]) =>
      names.forEach((c, i) => {
        if (!known.has(c))
          ctx.addIssue({
            code: "custom",
            path: [...path, i],
            message: `no channel named "${c}" under notifier.channels`,
          });
      });
    for (const [name, r] of Object.entries(n.receivers)) {
      check(r.channels, ["receivers", name, "channels"]);
      if (r.escalation) check(r.escalation.channels, ["receivers", name, "escalation", "channels"]);
    }
    check(n.heartbeat.channels, ["heartbeat", "channels"]);
  });

export type NotifierConfig = z.infer<typeof notifierSchema>;
export type ChannelConfig = z.infer<typeof channelSchema>;
export type ReceiverConfig = z.infer<typeof receiverSchema>;
