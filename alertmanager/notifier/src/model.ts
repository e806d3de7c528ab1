// What the notifier receives (Alertmanager's webhook payload, version 4), what it keeps, and the
// records its journal holds.
import type { DeliveryState, NotificationKind } from "@opsdeck/contracts";
import { z } from "zod";
import type { RecoveryNote } from "@opsdeck/core/actions/recovery-note";

const labels = z.record(z.string(), z.string());

export const amAlertSchema = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: labels.refine((l) => typeof l.alertname === "string", { message: "an alert needs an alertname label" }),
  annotations: labels.default({}),
  startsAt: z.string(),
  endsAt: z.string().default("0001-01-01T00:00:00Z"),
  generatorURL: z.string().default(""),
  fingerprint: z.string().default(""),
});

export const amPayloadSchema = z.object({
  version: z.literal("4", { message: 'not an Alertmanager webhook payload (version "4" expected)' }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string().min(1),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().default(""),
  alerts: z.array(amAlertSchema).min(1),
});

export type AmAlert = z.infer<typeof amAlertSchema>;
export type AmPayload = z.infer<typeof amPayloadSchema>;

/**
 * alert: from Alertmanager. escalation: a critical alert nobody acknowledged. system: the
 * notifier's own news (pipeline broken / back, a channel failing). test: POST …/test.
 * recovery: a recovery action's result, in the alert's thread (POST /api/v1/follow-ups).
 */
export type { NotificationKind } from "@opsdeck/contracts";

export interface Notification {
  id: string;
  kind: NotificationKind;
  received_at: number;
  receiver: string;
  payload: AmPayload;
  /** The channels it goes to, resolved when it arrived. */
  channels: string[];
  /** escalation: the notification it escalates; recovery: the alert's notification it follows up. */
  ref?: string;
  /** recovery: what became of the action (follow-ups.ts). */
  recovery?: RecoveryNote;
  /**
   * recovery, when its alert had not been sent yet: due no earlier than this, unless the alert's
   * own message goes out on the channel first (state.ts releases it then, into its thread).
   */
  hold_until?: number;
}

/** A notification's payload in brief: what the history's lists, threads and escalation read. */
export interface Brief {
  status: AmPayload["status"];
  alertname: string;
  alerts: number;
  groupKey: string;
  groupLabels: Record<string, string>;
  externalURL: string;
  /** Whether one of its alerts fires with severity critical (what escalation looks for). */
  critical: boolean;
}

export function briefOf(payload: AmPayload): Brief {
  return {
    status: payload.status,
    alertname: payload.commonLabels.alertname ?? payload.alerts[0].labels.alertname,
    alerts: payload.alerts.length,
    groupKey: payload.groupKey,
    groupLabels: payload.groupLabels,
    externalURL: payload.externalURL,
    critical: payload.alerts.some((alert) => alert.status === "firing" && alert.labels.severity === "critical"),
  };
}

/**
 * What the state holds of every notification in the history: all but the payload, which stays
 * in memory only while a delivery is left (state.ts `full`) and is shelved on disk after.
 */
export interface NotificationHead extends Omit<Notification, "payload"> {
  brief: Brief;
}

export type { DeliveryState } from "@opsdeck/contracts";

export interface Delivery {
  state: DeliveryState;
  attempts: number;
  next_at: number;
  delivered_at?: number;
  /** Sent inside a digest with other notifications. */
  digest?: boolean;
  last_error?: { code: string; message: string; at: number };
}

/** How a send ended, as a channel classifies the provider's answer. */
export type Outcome =
  | { ok: true }
  | {
      ok: false;
      /** throttled: wait for the window. transient: retry with backoff. config: the channel is
       * misconfigured; stop it until fixed. oversize: too large for the provider; sent again
       * smaller (split or cut), never dead-lettered for it. rejected: this message can never be sent. */
      kind: "throttled" | "transient" | "config" | "oversize" | "rejected";
      code: string;
      message: string;
      retryAfterMs?: number;
    };

export type NotifierRecord =
  | { t: "in"; n: Notification }
  | { t: "sent"; channel: string; ids: string[]; at: number; digest: boolean }
  | {
      t: "fail";
      channel: string;
      ids: string[];
      at: number;
      kind: Exclude<Outcome, { ok: true }>["kind"];
      code: string;
      message: string;
      next_at: number;
      /** oversize: the size of the refused message, as the provider measures it. */
      bytes?: number;
    }
  | { t: "dead"; channel: string; ids: string[]; at: number; reason: string }
  | { t: "retry"; id: string; at: number }
  | { t: "heartbeat"; at: number }
  | { t: "escalated"; group: string; at: number };
