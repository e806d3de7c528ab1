// The notifier: Alertmanager's webhook in (on disk before the 2xx), delivery in the background,
// history / channels / SSE / metrics out, config reload without losing the queue. Wiring only:
// the API is in routes.ts, the metrics in metrics.ts, delivery in dispatcher.ts.
import { hostname } from "node:os";
import { resolve } from "node:path";
import { createService, createSseHub, type Logger, type NotifierConfig, type RunningService } from "@opsdeck/core";
import { createChangeLookup } from "./changes.ts";
import { createChannel, type Channel } from "./channels/index.ts";
import { createDispatcher } from "./dispatcher.ts";
import { notifierMetrics } from "./metrics.ts";
import type { NotifierRecord } from "./model.ts";
import { notificationView, renderFitted, type RenderOptions } from "./render.ts";
import { mountNotifierRoutes } from "./routes.ts";
import { openRedisQueue, type RedisQueue } from "./queue/redis-queue.ts";
import { createNotifierState } from "./state.ts";
import { channelFailingNotification } from "./system.ts";
import { channelView, notificationSummary } from "./views.ts";
import { createEscalationWatch, createHeartbeatWatch } from "./watchers.ts";

export interface Notifier extends RunningService {
  reload(config: NotifierConfig): void;
}

export async function startNotifier(initial: NotifierConfig, log: Logger, baseDir = process.cwd()): Promise<Notifier> {
  let config = initial;
  // On a shared queue this instance delivers only the notifications whose entries it holds.
  let queue: RedisQueue | undefined;
  const state = createNotifierState({
    historyMs: config.history_days * 86_400_000,
    owns: (id) => !queue || queue.owns(id),
    shelfDir: resolve(baseDir, config.data_dir),
    copyWindowMs: initial.queue === "local" ? () => config.peer_copies_seconds * 1000 : "none",
  });
  const service = createService({
    name: "notifier",
    log,
    maxBodyBytes: config.max_body_bytes,
    health: () =>
      queue
        ? {
            queue: "redis",
            instance: config.instance ?? hostname(),
            delivering: queue.ownedCount(),
            leader: queue.isLeader(),
          }
        : { queue: "local" },
  });
  /** A snapshot of the state, pruned of old history first. */
  const snapshotText = () => {
    state.prune(Date.now());
    return state.dumpText();
  };
  let write: (records: NotifierRecord[]) => Promise<void>;
  let replayed: number;
  if (config.queue === "local") {
    const opened = await service.openJournal<NotifierRecord, ReturnType<typeof state.dump>>({
      dir: resolve(baseDir, config.data_dir),
      name: "notifier",
      apply: state.apply,
      load: state.load,
      dump: state.dump,
      dumpText: snapshotText,
      compactBytes: 16 * 1024 * 1024,
    });
    write = opened.write;
    replayed = opened.journal.stats.replayed;
  } else {
    queue = await openRedisQueue({
      url: config.queue,
      instance: config.instance ?? hostname(),
      claimIdleMs: config.claim_idle_seconds * 1000,
      log,
      apply: state.apply,
      dumpText: snapshotText,
      load: state.load,
      applied: (records) => announce(records, false),
      finished: state.finished,
      copyWindowMs: () => config.peer_copies_seconds * 1000,
      took(ids, how) {
        if (how === "claimed") metrics.claimed.inc(ids.length);
        for (const id of ids) for (const channel of state.head(id)?.channels ?? []) dispatcher.wake(channel);
      },
    });
    write = queue.write;
    replayed = queue.replayed;
  }
  log.info("notifier state loaded", {
    "opsdeck.replayed": replayed,
    "opsdeck.notifications": state.size(),
    "opsdeck.channels": Object.keys(config.channels).length,
  });
  const hub = createSseHub();
  let channels = new Map<string, Channel>();
  const changes = createChangeLookup(
    () => ({ portalUrl: config.changes.portal_url, token: config.token ?? "", timeoutMs: config.changes.timeout_ms }),
    (result) => metrics.changeLines.inc({ result }),
  );
  const renderOptions = (): RenderOptions => ({
    lang: config.language,
    timezone: config.timezone,
    links: config.links,
    changes: changes.get,
  });
  const defaultChannels = () => config.receivers.default?.channels ?? Object.keys(config.channels);
  const viewOfChannel = (name: string) => channelView(name, state, config, channels.get(name)?.ratePerMinute);
  const summaryOf = (id: string) => {
    const head = state.head(id);
    return head && notificationSummary(head, state.deliveriesOf(id));
  };

  const metrics = notifierMetrics(service.registry, {
    state,
    channelNames: () => Object.keys(config.channels),
    pipelineBroken: () => heartbeat.broken,
    ratePerMinute: (name) => channels.get(name)?.ratePerMinute,
  });

  // Alert notifications as ECS lines of their own dataset, for the events indices (see filebeat/).
  const alertEvents = log.child({ "event.dataset": "opsdeck.alert", "event.category": "configuration" });

  /** Applies, writes, then tells the pumps and the stream. */
  async function record(records: NotifierRecord[]) {
    for (const r of records) state.apply(r);
    await write(records);
    announce(records, true);
    if (queue) {
      const settled = records.flatMap((r) => (r.t === "sent" || r.t === "fail" || r.t === "dead" ? r.ids : []));
      if (settled.length) await queue.settle(settled);
    }
  }

  /** Tells the pumps and the stream of records folded; those this instance received, the logs and counters too. */
  function announce(records: NotifierRecord[], own: boolean) {
    const live = hub.clients > 0; // nobody listening: build no summaries for the stream
    for (const r of records) {
      if (r.t === "in" && !own) {
        if (live) hub.publish("notification", summaryOf(r.n.id)!);
        for (const channel of r.n.channels) dispatcher.wake(channel);
      } else if (r.t === "in") {
        const summary = summaryOf(r.n.id)!;
        metrics.received.inc({ receiver: r.n.receiver, kind: r.n.kind });
        alertEvents.info(`${summary.status} ${summary.alertname} → ${r.n.receiver}`, {
          "event.action": `alert-${summary.status}`,
          "opsdeck.notification.id": r.n.id,
          "opsdeck.notification.kind": r.n.kind,
          "opsdeck.notification.receiver": r.n.receiver,
          "opsdeck.alert.name": summary.alertname,
          "opsdeck.alert.count": summary.alerts,
        });
        if (r.n.kind === "escalation") metrics.escalations.inc();
        if (r.n.channels.length === 0) {
          // Nothing can deliver it: counted (NotifierNoChannel alerts on it) and said loudly.
          metrics.undeliverable.inc({ receiver: r.n.receiver });
          log.warn(`receiver "${r.n.receiver}" has no notification channel: this notification goes nowhere`, {
            "opsdeck.notification.id": r.n.id,
            "opsdeck.notification.receiver": r.n.receiver,
            "opsdeck.alerts": r.n.payload.alerts.length,
            hint: "add a channel under notifier.channels and list it under notifier.receivers (default: every receiver)",
          });
        }
        if (live) hub.publish("notification", summary);
        for (const channel of r.n.channels) dispatcher.wake(channel);
      } else if (live && (r.t === "sent" || r.t === "fail" || r.t === "dead")) {
        for (const id of r.ids) {
          const summary = summaryOf(id);
          if (summary) hub.publish("notification", summary);
        }
        if (r.t !== "sent") hub.publish("channel", viewOfChannel(r.channel));
      } else if (r.t === "retry") {
        dispatcher.wake();
      }
    }
  }

  const dispatcher = createDispatcher(state, {
    record,
    reserve: queue && queue.reserve,
    prepare: changes.prepare,
    async channelFailing(channel, outcome) {
      log.error("channel failing on its configuration", {
        "opsdeck.channel": channel,
        "error.code": outcome.code,
        "error.message": outcome.message,
      });
      // Tell the default receiver's channels (not, say, an @all escalation robot); any other if none.
      const healthy = (c: string) => c !== channel && !state.channels.get(c)?.failing;
      const preferred = defaultChannels().filter(healthy);
      const others = preferred.length ? preferred : Object.keys(config.channels).filter(healthy);
      if (others.length)
        await record([
          { t: "in", n: channelFailingNotification(config.language, channel, outcome.code, outcome.message, others) },
        ]);
    },
    sent(channel, content, now) {
      metrics.messages.inc({ channel, type: content.digest ? "digest" : "single" });
      for (const notification of content.notifications) {
        metrics.delivered.inc({ channel });
        metrics.latency.observe({ channel }, (now - notification.received_at) / 1000);
      }
    },
    failed(channel, outcome, notifications) {
      metrics.failures.inc({ channel, kind: outcome.kind, code: outcome.code }, notifications.length);
      log.warn("delivery failed", {
        "opsdeck.channel": channel,
        "event.outcome": outcome.kind,
        "error.code": outcome.code,
        "error.message": outcome.message,
        "opsdeck.notifications": notifications.length,
        "opsdeck.alerts": notifications.reduce((sum, n) => sum + n.payload.alerts.length, 0),
      });
    },
  });

  function configure(next: NotifierConfig) {
    config = next;
    const render = renderOptions();
    channels = new Map(
      Object.entries(config.channels).map(([name, c]) => [
        name,
        createChannel(name, c, config.timeout_seconds * 1000, render),
      ]),
    );
    dispatcher.setChannels(channels, config.retry, render);
  }
  configure(config);

  const hooks = { config: () => config, record, defaultChannels, log };
  const heartbeat = createHeartbeatWatch(state, hooks);
  const escalate = createEscalationWatch(state, hooks);
  // On a shared queue one instance (the leader) runs the clocks: each would otherwise say it.
  const leads = () => !queue || queue.isLeader();
  const timers = [
    setInterval(
      () => leads() && void heartbeat.check().catch((err) => log.error("heartbeat check failed", { error: err })),
      10_000,
    ),
    setInterval(
      () => leads() && void escalate().catch((err) => log.error("escalation check failed", { error: err })),
      5_000,
    ),
    setInterval(() => state.prune(Date.now()), 3_600_000),
  ];

  // Its loops call back into the pumps and the stream: started once they exist.
  await queue?.start();

  mountNotifierRoutes(service.app, {
    config: () => config,
    state,
    hub,
    record,
    async copyOf(payload, now) {
      const original = queue
        ? await queue.copyOf(payload)
        : state.copyOf(payload, now, config.peer_copies_seconds * 1000);
      if (original) metrics.peerCopies.inc();
      return original;
    },
    heartbeat(now) {
      metrics.heartbeats.inc();
      if (leads()) void heartbeat.check(now);
    },
    channelView: viewOfChannel,
    preview: (n) =>
      n.channels.flatMap((name) => {
        const channel = channels.get(name);
        if (!channel) return [];
        const render = renderOptions();
        const title = notificationView(n, render).title;
        return [
          { channel: name, type: channel.type, format: channel.format, title, body: renderFitted(n, channel, render) },
        ];
      }),
  });
  service.onClose(async () => {
    timers.forEach(clearInterval);
    hub.close();
    await dispatcher.stop();
    await queue?.close();
  });
  const running = await service.listen(config.host, config.port);
  return {
    ...running,
    reload(next) {
      configure(next);
      log.info("configuration reloaded", { "opsdeck.channels": Object.keys(next.channels).length });
    },
  };
}
