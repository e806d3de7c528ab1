// The notifier: Alertmanager's webhook in (on disk before the 2xx), delivery in the background,
// history / channels / SSE / metrics out, config reload without losing the queue.
import type { Server } from "node:http";
import { resolve } from "node:path";
import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram } from "prom-client";
import { z } from "zod";
import {
  closeServer,
  createApp,
  createSseHub,
  durableWriter,
  errorHandler,
  HttpError,
  listen,
  notFound,
  openJournal,
  parse,
  requireToken,
  route,
  type Logger,
  type NotifierConfig,
  selfRegistry,
} from "@opsdeck/core";
import { createChannel, type Channel } from "./channels/index.ts";
import { createDispatcher } from "./dispatcher.ts";
import { newId } from "./ids.ts";
import { amPayloadSchema, type Notification, type NotifierRecord } from "./model.ts";
import type { RenderOptions } from "./render.ts";
import { createNotifierState, NO_CHANNEL } from "./state.ts";
import { channelFailingNotification, testNotification } from "./system.ts";
import { createEscalationWatch, createHeartbeatWatch } from "./watchers.ts";

export interface Notifier {
  server: Server;
  url: string;
  reload(cfg: NotifierConfig): void;
  close(): Promise<void>;
}

const querySchema = z
  .object({
    state: z.enum(["pending", "delivered", "dead"]).optional(),
    channel: z.string().optional(),
    receiver: z.string().optional(),
    kind: z.enum(["alert", "escalation", "system", "test"]).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.string().optional(),
  })
  .strict();

export async function startNotifier(initial: NotifierConfig, log: Logger, baseDir = process.cwd()): Promise<Notifier> {
  let cfg = initial;
  const state = createNotifierState({ historyMs: cfg.history_days * 86_400_000 });
  const journal = await openJournal<NotifierRecord, ReturnType<typeof state.dump>>({
    dir: resolve(baseDir, cfg.data_dir),
    name: "notifier",
    apply: state.apply,
    load: state.load,
    dump: () => {
      state.prune(Date.now());
      return state.dump();
    },
    compactBytes: 16 * 1024 * 1024,
  });
  log.info("notifier state loaded", {
    "opsdeck.replayed": journal.stats.replayed,
    "opsdeck.notifications": state.notifications.size,
  });
  const write = durableWriter(journal, log);
  const hub = createSseHub();

  // Metrics: counters since start; gauges read the state at scrape time.
  const registry = selfRegistry();
  const received = new Counter({
    name: "opsdeck_notifier_notifications_received_total",
    help: "Notifications accepted, by receiver and kind (alert, escalation, system, test).",
    labelNames: ["receiver", "kind"],
    registers: [registry],
  });
  const heartbeats = new Counter({
    name: "opsdeck_notifier_heartbeats_total",
    help: "Watchdog heartbeats received.",
    registers: [registry],
  });
  const delivered = new Counter({
    name: "opsdeck_notifier_deliveries_total",
    help: "Notifications delivered, by channel.",
    labelNames: ["channel"],
    registers: [registry],
  });
  const failures = new Counter({
    name: "opsdeck_notifier_delivery_failures_total",
    help: "Failed send attempts, by channel, kind (throttled, transient, config, rejected) and provider code.",
    labelNames: ["channel", "kind", "code"],
    registers: [registry],
  });
  const messages = new Counter({
    name: "opsdeck_notifier_messages_sent_total",
    help: "Messages sent, by channel and type (single, digest).",
    labelNames: ["channel", "type"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "opsdeck_notifier_delivery_latency_seconds",
    help: "From receiving a notification to its delivery, by channel.",
    labelNames: ["channel"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
  const escalations = new Counter({
    name: "opsdeck_notifier_escalations_total",
    help: "Unacknowledged critical alerts escalated.",
    registers: [registry],
  });
  const perChannel = (name: string, help: string, value: (c: string) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["channel"],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of Object.keys(cfg.channels)) this.set({ channel: c }, value(c));
      },
    });
  perChannel("opsdeck_notifier_queue_depth", "Notifications waiting for delivery, by channel.", (c) =>
    state.queueDepth(c),
  );
  perChannel(
    "opsdeck_notifier_dead_letters",
    "Notifications that could not be delivered (kept, retryable), by channel.",
    (c) => state.deadCount(c),
  );
  perChannel("opsdeck_notifier_channel_up", "0 while a channel fails on its configuration, else 1.", (c) =>
    state.channels.get(c)?.failing ? 0 : 1,
  );

  const renderOptions = (): RenderOptions => ({ lang: cfg.language, timezone: cfg.timezone, links: cfg.links });
  const receiverChannels = (receiver: string) => (cfg.receivers[receiver] ?? cfg.receivers.default)?.channels ?? [];
  const defaultChannels = () => cfg.receivers.default?.channels ?? Object.keys(cfg.channels);

  // Alert notifications as ECS lines of their own dataset, for the events indices (see filebeat/).
  const alertEvents = log.child({ "event.dataset": "opsdeck.alert", "event.category": "configuration" });

  /** Applies, writes, then tells the pumps and the stream. */
  async function record(records: NotifierRecord[]) {
    for (const r of records) state.apply(r);
    await write(records);
    const live = hub.clients > 0; // nobody listening: build no summaries for the stream
    for (const r of records) {
      if (r.t === "in") {
        received.inc({ receiver: r.n.receiver, kind: r.n.kind });
        const { status, alertname, alerts } = summary(r.n);
        alertEvents.info(`${status} ${alertname} → ${r.n.receiver}`, {
          "event.action": `alert-${status}`,
          "opsdeck.notification.id": r.n.id,
          "opsdeck.notification.kind": r.n.kind,
          "opsdeck.notification.receiver": r.n.receiver,
          "opsdeck.alert.name": alertname,
          "opsdeck.alert.count": alerts,
        });
        if (r.n.kind === "escalation") escalations.inc();
        if (live) hub.publish("notification", summary(r.n));
        for (const c of r.n.channels) dispatcher.wake(c);
      } else if (live && (r.t === "sent" || r.t === "fail" || r.t === "dead")) {
        for (const id of r.ids) {
          const n = state.notifications.get(id);
          if (n) hub.publish("notification", summary(n));
        }
        if (r.t !== "sent") hub.publish("channel", channelView(r.channel));
      } else if (r.t === "retry") {
        dispatcher.wake();
      }
    }
  }

  const dispatcher = createDispatcher(state, {
    record,
    async channelFailing(channel, outcome) {
      log.error("channel failing on its configuration", {
        "opsdeck.channel": channel,
        "error.code": outcome.code,
        "error.message": outcome.message,
      });
      // Tell the default receiver's channels (not, say, an @all escalation robot); any other if none.
      const healthy = (c: string) => c !== channel && !state.channels.get(c)?.failing;
      const preferred = defaultChannels().filter(healthy);
      const others = preferred.length ? preferred : Object.keys(cfg.channels).filter(healthy);
      if (others.length)
        await record([
          { t: "in", n: channelFailingNotification(cfg.language, channel, outcome.code, outcome.message, others) },
        ]);
    },
    sent(channel, content, now) {
      messages.inc({ channel, type: content.digest ? "digest" : "single" });
      for (const n of content.notifications) {
        delivered.inc({ channel });
        latency.observe({ channel }, (now - n.received_at) / 1000);
      }
    },
    failed(channel, outcome, count) {
      failures.inc({ channel, kind: outcome.kind, code: outcome.code }, count);
      log.warn("delivery failed", {
        "opsdeck.channel": channel,
        "event.outcome": outcome.kind,
        "error.code": outcome.code,
        "error.message": outcome.message,
      });
    },
  });

  let channels = new Map<string, Channel>();
  function configure(next: NotifierConfig) {
    cfg = next;
    const ro = renderOptions();
    channels = new Map(
      Object.entries(cfg.channels).map(([name, c]) => [name, createChannel(name, c, cfg.timeout_seconds * 1000, ro)]),
    );
    dispatcher.setChannels(channels, cfg.retry, ro);
  }
  configure(cfg);

  const hooks = { config: () => cfg, record, defaultChannels, log };
  const heartbeat = createHeartbeatWatch(state, hooks);
  const escalate = createEscalationWatch(state, hooks);
  new Gauge({
    name: "opsdeck_notifier_pipeline_up",
    help: "0 while no Watchdog heartbeat arrives (the dead-man's switch has tripped).",
    registers: [registry],
    collect() {
      this.set(heartbeat.broken ? 0 : 1);
    },
  });
  new Gauge({
    name: "opsdeck_notifier_last_heartbeat_timestamp_seconds",
    help: "When the last Watchdog heartbeat arrived.",
    registers: [registry],
    collect() {
      this.set((state.lastHeartbeat ?? 0) / 1000);
    },
  });
  const timers = [
    setInterval(
      () => void heartbeat.check().catch((err) => log.error("heartbeat check failed", { error: err })),
      10_000,
    ),
    setInterval(() => void escalate().catch((err) => log.error("escalation check failed", { error: err })), 5_000),
    setInterval(() => state.prune(Date.now()), 3_600_000),
  ];

  function summary(n: Notification) {
    return {
      id: n.id,
      kind: n.kind,
      receiver: n.receiver,
      received_at: new Date(n.received_at).toISOString(),
      status: n.payload.status,
      alertname: n.payload.commonLabels.alertname ?? n.payload.alerts[0].labels.alertname,
      alerts: n.payload.alerts.length,
      ref: n.ref,
      deliveries: Object.fromEntries(
        [...(state.deliveries.get(n.id) ?? [])].map(([c, d]) => [
          c,
          {
            ...d,
            next_at: new Date(d.next_at).toISOString(),
            delivered_at: d.delivered_at ? new Date(d.delivered_at).toISOString() : undefined,
            last_error: d.last_error && { ...d.last_error, at: new Date(d.last_error.at).toISOString() },
          },
        ]),
      ),
    };
  }

  function channelView(name: string) {
    const st = state.channels.get(name);
    const now = Date.now();
    return {
      name,
      type: cfg.channels[name]?.type ?? "removed",
      up: !st?.failing,
      failing: st?.failing && { ...st.failing, since: new Date(st.failing.since).toISOString() },
      last_error: st?.last_error && { ...st.last_error, at: new Date(st.last_error.at).toISOString() },
      blocked_until: st && st.blocked_until > now ? new Date(st.blocked_until).toISOString() : undefined,
      queue: state.queueDepth(name),
      dead: state.deadCount(name),
      sent_last_minute: st?.sends.filter((t) => t > now - 60_000).length ?? 0,
      rate_per_minute: channels.get(name)?.ratePerMinute,
    };
  }

  const app = createApp({ maxBodyBytes: cfg.max_body_bytes });
  // Read the token on every request: a reload (SIGHUP) may change it.
  const auth: RequestHandler = (req, res, next) => requireToken(cfg.token)(req, res, next);
  app.get("/healthz", (_req, res) => res.json({ status: "ok" }));
  app.get(
    "/metrics",
    route(async (_req, res) => void res.type(registry.contentType).send(await registry.metrics())),
  );

  app.post(
    "/api/v1/alerts",
    auth,
    route(async (req, res) => {
      const payload = parse(amPayloadSchema, req.body, "Alertmanager payload");
      const now = Date.now();
      if (payload.receiver === cfg.heartbeat.receiver) {
        await record([{ t: "heartbeat", at: now }]);
        heartbeats.inc();
        void heartbeat.check(now);
        return void res.json({ heartbeat: true });
      }
      const n: Notification = {
        id: newId(now),
        kind: "alert",
        received_at: now,
        receiver: payload.receiver,
        payload,
        channels: receiverChannels(payload.receiver),
      };
      await record([{ t: "in", n }]);
      res.json({ id: n.id, channels: n.channels });
    }),
  );

  app.get("/api/v1/notifications", (req, res) => {
    const q = parse(querySchema, req.query, "query");
    const out = [];
    const all = [...state.notifications.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
    for (const n of all) {
      if (q.before && n.id >= q.before) continue;
      if (q.receiver && n.receiver !== q.receiver) continue;
      if (q.kind && n.kind !== q.kind) continue;
      const ds = state.deliveries.get(n.id)!;
      if (q.channel && !ds.has(q.channel)) continue;
      if (q.state && ![...ds].some(([c, d]) => d.state === q.state && (!q.channel || c === q.channel))) continue;
      out.push(summary(n));
      if (out.length === q.limit) break;
    }
    res.json({ notifications: out, next_before: out.length === q.limit ? out.at(-1)!.id : undefined });
  });
  app.get("/api/v1/notifications/:id", (req, res) => {
    const n = state.notifications.get(String(req.params.id));
    if (!n) throw new HttpError(404, `no notification with id "${req.params.id}"`);
    res.json({ ...summary(n), payload: n.payload });
  });
  app.post(
    "/api/v1/notifications/:id/retry",
    auth,
    route(async (req, res) => {
      const n = state.notifications.get(String(req.params.id));
      if (!n) throw new HttpError(404, `no notification with id "${req.params.id}"`);
      await record([{ t: "retry", id: n.id, at: Date.now() }]);
      res.status(202).json(summary(n));
    }),
  );
  app.get("/api/v1/channels", (_req, res) => {
    const names = new Set([...Object.keys(cfg.channels), ...state.channels.keys()]);
    names.delete(NO_CHANNEL);
    res.json({ channels: [...names].map(channelView) });
  });
  app.post(
    "/api/v1/channels/:name/test",
    auth,
    route(async (req, res) => {
      const name = String(req.params.name);
      if (!cfg.channels[name]) throw new HttpError(404, `no channel named "${name}"`);
      const n = testNotification(cfg.language, name);
      await record([{ t: "in", n }]);
      res.status(202).json({ id: n.id });
    }),
  );
  app.get("/api/v1/stream", (req, res) => hub.serve(req, res));
  app.use(notFound());
  app.use(errorHandler(log));

  const { server, url } = await listen(app, cfg.host, cfg.port);
  log.info("notifier listening", { "url.full": url, "opsdeck.channels": Object.keys(cfg.channels).length });
  return {
    server,
    url,
    reload(next) {
      configure(next);
      log.info("configuration reloaded", { "opsdeck.channels": Object.keys(next.channels).length });
    },
    async close() {
      timers.forEach(clearInterval);
      hub.close();
      await dispatcher.stop();
      await closeServer(server);
      await journal.close();
    },
  };
}
