// What the notifier answers and streams (/api/v1/notifications, /api/v1/channels,
// /api/v1/stream), read by the portal. docs/api/notifier.openapi.yaml describes the same shapes;
// a test keeps them equal.
import { z } from "zod";
import { isoTime } from "./time.ts";

export const NOTIFICATION_KINDS = ["alert", "escalation", "system", "test", "recovery"] as const;
export const DELIVERY_STATES = ["pending", "delivered", "dead"] as const;
export const CHANNEL_TYPES = ["dingtalk", "wecom", "email", "webhook"] as const;
export const FAILURE_KINDS = ["throttled", "transient", "config", "rejected"] as const;

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export type DeliveryState = (typeof DELIVERY_STATES)[number];

const providerError = z.strictObject({
  /** The provider's code: DingTalk / WeCom errcode, SMTP reply, http-503, timeout… */
  code: z.string(),
  message: z.string(),
  at: isoTime,
});

export const deliveryViewSchema = z.strictObject({
  state: z.enum(DELIVERY_STATES),
  attempts: z.number().int(),
  next_at: isoTime,
  delivered_at: isoTime.optional(),
  /** Delivered inside a digest with other notifications. */
  digest: z.boolean().optional(),
  last_error: providerError.optional(),
});

export const notificationSummarySchema = z.strictObject({
  /** Time-ordered. */
  id: z.string(),
  kind: z.enum(NOTIFICATION_KINDS),
  receiver: z.string(),
  received_at: isoTime,
  status: z.enum(["firing", "resolved"]),
  alertname: z.string(),
  alerts: z.number().int(),
  /** An escalation: the notification it escalates. */
  ref: z.string().optional(),
  /** By channel name. */
  deliveries: z.record(z.string(), deliveryViewSchema),
});

export const notificationPageSchema = z.strictObject({
  notifications: z.array(notificationSummarySchema),
  next_before: z.string().optional(),
});

/** Where the notifier files a notification whose receiver has no channel: delivered nowhere, and said so. */
export const NO_CHANNEL = "(none)";

export const channelViewSchema = z.strictObject({
  name: z.string(),
  /** `removed`: no longer configured, but it still holds messages. */
  type: z.enum([...CHANNEL_TYPES, "removed"]),
  up: z.boolean(),
  failing: z.strictObject({ code: z.string(), message: z.string(), since: isoTime }).optional(),
  last_error: providerError.optional(),
  /** Throttled by the provider until then. */
  blocked_until: isoTime.optional(),
  queue: z.number().int(),
  dead: z.number().int(),
  sent_last_minute: z.number().int(),
  rate_per_minute: z.number().int().optional(),
});

export type DeliveryView = z.infer<typeof deliveryViewSchema>;
export type NotificationSummary = z.infer<typeof notificationSummarySchema>;
export type NotificationPage = z.infer<typeof notificationPageSchema>;
export type ChannelView = z.infer<typeof channelViewSchema>;
