// The notifier's HTTP API: Alertmanager's webhook (on disk before the 2xx), the history,
// retries, channels and their test messages, the live stream.
import type { Express, RequestHandler } from "express";
import { z } from "zod";
import { HttpError, parse, requireToken, route, type NotifierConfig, type SseHub } from "@opsdeck/core";
import { newId } from "./ids.ts";
import { amPayloadSchema, briefOf, type AmPayload, type Notification, type NotifierRecord } from "./model.ts";
import { NO_CHANNEL, type NotifierState } from "./state.ts";
import { testNotification } from "./system.ts";
import { followUpNotification, followUpSchema } from "./follow-ups.ts";
import { notificationSummary } from "./views.ts";
import { NOTIFICATION_KINDS, type ChannelView } from "@opsdeck/contracts";

const querySchema = z
  .object({
    state: z.enum(["pending", "delivered", "dead"]).optional(),
    channel: z.string().optional(),
    receiver: z.string().optional(),
    kind: z.enum(NOTIFICATION_KINDS).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.string().optional(),
  })
  .strict();

export interface NotifierRoutes {
  config(): NotifierConfig;
  state: NotifierState;
  hub: SseHub;
  record(records: NotifierRecord[]): Promise<void>;
  /**
   * The id of the notification this payload copies (an Alertmanager peer's copy, received within
   * peer_copies_seconds; counted), or undefined: it is news.
   */
  copyOf(payload: AmPayload, now: number): Promise<string | undefined>;
  /** A heartbeat arrived: the dead-man's switch checks at once. */
  heartbeat(now: number): void;
  channelView(name: string): ChannelView;
  /** A notification as each of its channels would send it now (title and body), not sent. */
  preview(n: Notification): { channel: string; type: string; format: string; title: string; body: string }[];
}

/** A rule's test-fire: the payload Alertmanager would post, and optionally one channel to really send it to. */
const previewSchema = z.strictObject({ payload: amPayloadSchema, send: z.string().min(1).optional() });

export function mountNotifierRoutes(app: Express, routes: NotifierRoutes): void {
  const { state, record } = routes;
  // Read the token on every request: a reload (SIGHUP) may change it.
  const auth: RequestHandler = (req, res, next) => requireToken(routes.config().token)(req, res, next);
  const existing = (id: string) => {
    const found = state.entry(id);
    if (!found) throw new HttpError(404, `no notification with id "${id}"`);
    return found;
  };
  const summary = (id: string) => {
    const { notification, deliveries } = existing(id);
    return notificationSummary({ ...notification, brief: briefOf(notification.payload) }, deliveries);
  };

  app.post(
    "/api/v1/alerts",
    auth,
    route(async (req, res) => {
      const config = routes.config();
      const payload = parse(amPayloadSchema, req.body, "Alertmanager payload");
      const now = Date.now();
      if (payload.receiver === config.heartbeat.receiver) {
        await record([{ t: "heartbeat", at: now }]);
        routes.heartbeat(now);
        return void res.json({ heartbeat: true });
      }
      // Another Alertmanager peer's copy of a notification already on disk: acknowledged, not sent twice.
      const original = await routes.copyOf(payload, now);
      if (original) return void res.json({ id: original, duplicate: true });
      const receiver = config.receivers[payload.receiver] ?? config.receivers.default;
      const notification: Notification = {
        id: newId(now),
        kind: "alert",
        received_at: now,
        receiver: payload.receiver,
        payload,
        channels: receiver?.channels ?? [],
      };
      await record([{ t: "in", n: notification }]);
      res.json({ id: notification.id, channels: notification.channels });
    }),
  );

  app.get("/api/v1/notifications", (req, res) => {
    const query = parse(querySchema, req.query, "query");
    const { before, limit, ...filter } = query;
    const page = state.history(filter, before).slice(0, limit).map(summary);
    res.json({ notifications: page, next_before: page.length === limit ? page.at(-1)!.id : undefined });
  });
  app.get("/api/v1/notifications/:id", (req, res) => {
    const id = String(req.params.id);
    res.json({ ...summary(id), payload: existing(id).notification.payload });
  });
  app.post(
    "/api/v1/notifications/:id/retry",
    auth,
    route(async (req, res) => {
      const id = existing(String(req.params.id)).notification.id;
      await record([{ t: "retry", id, at: Date.now() }]);
      res.status(202).json(summary(id));
    }),
  );
  app.get("/api/v1/channels", (_req, res) => {
    const names = new Set([...Object.keys(routes.config().channels), ...state.channels.keys()]);
    names.delete(NO_CHANNEL);
    res.json({ channels: [...names].map(routes.channelView) });
  });
  app.post(
    "/api/v1/channels/:name/test",
    auth,
    route(async (req, res) => {
      const config = routes.config();
      const name = String(req.params.name);
      if (!config.channels[name]) throw new HttpError(404, `no channel named "${name}"`);
      const notification = testNotification(config.language, name);
      await record([{ t: "in", n: notification }]);
      res.status(202).json({ id: notification.id });
    }),
  );
  // The Rules page's test-fire: what each of the receiver's channels would send for this payload;
  // with `send`, one real message to that channel (kind "test", through the queue like any).
  app.post(
    "/api/v1/preview",
    auth,
    route(async (req, res) => {
      const config = routes.config();
      const { payload, send } = parse(previewSchema, req.body, "preview");
      const receiver = config.receivers[payload.receiver] ?? config.receivers.default;
      const channels = receiver?.channels ?? [];
      const now = Date.now();
      const notification: Notification = {
        id: newId(now),
        kind: "test",
        received_at: now,
        receiver: payload.receiver,
        payload,
        channels,
      };
      if (send !== undefined && !channels.includes(send))
        throw new HttpError(400, `send: "${send}" is not a channel of receiver "${payload.receiver}"`);
      if (send !== undefined) await record([{ t: "in", n: { ...notification, channels: [send] } }]);
      res.status(send ? 202 : 200).json({
        receiver: payload.receiver,
        channels: routes.preview(notification),
        ...(send && { id: notification.id }),
      });
    }),
  );
  // A recovery action's result (the portal's), into the thread of the alert it answered.
  app.post(
    "/api/v1/follow-ups",
    auth,
    route(async (req, res) => {
      const config = routes.config();
      const followUp = parse(followUpSchema, req.body, "follow-up");
      const thread = state.threadOf(followUp.alert, followUp.receiver);
      const notification = followUpNotification(
        followUp,
        thread,
        (receiver) => (config.receivers[receiver] ?? config.receivers.default)?.channels ?? [],
        config.follow_up_hold_seconds * 1000,
      );
      await record([{ t: "in", n: notification }]);
      res
        .status(202)
        .json({ id: notification.id, channels: notification.channels, ...(thread && { thread: thread.id }) });
    }),
  );
  app.get("/api/v1/stream", (req, res) => routes.hub.serve(req, res));
}
