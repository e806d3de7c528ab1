// A recovery action's result, posted back into the alert's thread: the portal says what ran (or
// would have, or was held back, or did not help) for which alert, and the notifier sends it to
// the channels that got that alert, in its group (e-mail threads it under the alert's messages),
// through the queue like any notification.
import { z } from "zod";
import { recoveryNoteSchema } from "@opsdeck/core/actions/recovery-note";
import { newId } from "./ids.ts";
import { amAlertSchema, type Notification, type NotificationHead } from "./model.ts";

export const followUpSchema = z.strictObject({
  /** The alert as Alertmanager holds it (its fingerprint finds the thread). */
  alert: amAlertSchema.extend({ fingerprint: z.string().regex(/^[0-9a-f]{16}$/, "an alert's fingerprint") }),
  /** Alertmanager's receiver for it: where it goes when the notifier has not sent the alert itself. */
  receiver: z.string().min(1).max(200),
  recovery: recoveryNoteSchema,
});
export type FollowUp = z.infer<typeof followUpSchema>;

/**
 * Whether an alert belongs to a group: the group's labels (Alertmanager's group_by values) are
 * all the alert's. A follow-up whose alert no notification carried joins the newest such group's
 * thread (state.ts), as the alert will at the group's next interval.
 */
export const inGroup = (groupLabels: Record<string, string>, labels: Record<string, string>) => {
  const entries = Object.entries(groupLabels);
  return entries.length > 0 && entries.every(([name, value]) => labels[name] === value);
};

/**
 * The follow-up to queue. With no thread yet (the portal acted before Alertmanager's group_wait
 * let a new group out) it is held for up to `holdMs`, and goes right after the alert's own message.
 */
export function followUpNotification(
  followUp: FollowUp,
  thread: NotificationHead | undefined,
  channelsOf: (receiver: string) => string[],
  holdMs: number,
  now = Date.now(),
): Notification {
  const { alert } = followUp;
  const receiver = thread?.receiver ?? followUp.receiver;
  return {
    id: newId(now),
    kind: "recovery",
    received_at: now,
    receiver,
    payload: {
      version: "4",
      // The alert's group: mail clients thread it with the alert's messages.
      groupKey: thread?.brief.groupKey ?? `opsdeck-recovery:${alert.fingerprint}`,
      truncatedAlerts: 0,
      status: alert.status,
      receiver,
      groupLabels: thread?.brief.groupLabels ?? { alertname: alert.labels.alertname },
      commonLabels: alert.labels,
      commonAnnotations: alert.annotations,
      externalURL: thread?.brief.externalURL ?? "",
      alerts: [alert],
    },
    channels: thread?.channels ?? channelsOf(receiver),
    ...(thread && { ref: thread.id }),
    ...(!thread && holdMs > 0 && { hold_until: now + holdMs }),
    recovery: followUp.recovery,
  };
}

/** Whether a held follow-up waits for this alert notification (it carries the follow-up's alert). */
export function releasedBy(followUp: Notification, alert: Notification): boolean {
  const fingerprint = followUp.payload.alerts[0]?.fingerprint;
  return (
    followUp.kind === "recovery" &&
    followUp.hold_until !== undefined &&
    alert.kind === "alert" &&
    alert.payload.alerts.some((a) => a.fingerprint === fingerprint)
  );
}
