// A generic JSON webhook: the notifications as received, plus the rendered text.
import type { ChannelConfig } from "@opsdeck/core";
import { httpOutcome, isOutcome, postJson, utf8Bytes, type Channel } from "./channel.ts";

type WebhookConfig = Extract<ChannelConfig, { type: "webhook" }>;

export function webhookChannel(name: string, c: WebhookConfig, timeoutMs: number): Channel {
  return {
    name,
    type: "webhook",
    ratePerMinute: c.rate_per_minute,
    format: "text",
    digestFormat: "text",
    maxBytes: 1_000_000,
    measure: (_title, body) => utf8Bytes(body),
    suffix: "",
    async send(content) {
      const res = await postJson(
        c.url,
        {
          version: "opsdeck.notifier/v1",
          title: content.title,
          text: content.body,
          digest: content.digest,
          notifications: content.notifications.map((n) => ({
            id: n.id,
            kind: n.kind,
            receiver: n.receiver,
            received_at: new Date(n.received_at).toISOString(),
            payload: n.payload,
          })),
        },
        timeoutMs,
        c.headers,
      );
      return isOutcome(res) ? res : httpOutcome(res.status, res.text);
    },
  };
}
