// WeCom group robot (企业微信群机器人): markdown within 4,096 bytes; text (2,048 bytes) when
// mentioning by mobile, which markdown cannot do. Errors come inside HTTP 200 bodies.
import type { ChannelConfig } from "@opsdeck/core";
import type { Outcome } from "../model.ts";
import { httpOutcome, isOutcome, postJson, utf8Bytes, type Channel } from "./channel.ts";

type WecomConfig = Extract<ChannelConfig, { type: "wecom" }>;

export const WECOM_TEXT_MAX_BYTES = 2048;

export function wecomOutcome(errcode: number, errmsg: string): Outcome {
  if (errcode === 0) return { ok: true };
  const code = String(errcode);
  const message = errmsg || "no errmsg";
  if (errcode === 45009) return { ok: false, kind: "throttled", code, message, retryAfterMs: 60_000 };
  // 93000: invalid webhook URL or key; 93004: robot disabled; 93008: robot not in the group.
  if (errcode === 93000 || errcode === 93004 || errcode === 93008) return { ok: false, kind: "config", code, message };
  // 40058: a parameter is invalid — "…content exceed max length" when it is the size.
  if (errcode === 40058 && /exceed|length/i.test(message)) return { ok: false, kind: "oversize", code, message };
  // 40008: invalid message type; 44004: empty content.
  if (errcode === 40058 || errcode === 40008 || errcode === 44004)
    return { ok: false, kind: "rejected", code, message };
  return { ok: false, kind: "transient", code, message };
}

export function wecomChannel(name: string, c: WecomConfig, timeoutMs: number): Channel {
  const asText = c.mentioned_mobiles.length > 0;
  const users = c.mentioned_users.map((u) => (u === "@all" ? "@all" : `<@${u}>`)).join(" ");
  return {
    name,
    type: "wecom",
    ratePerMinute: c.rate_per_minute,
    format: asText ? "text" : "markdown",
    digestFormat: asText ? "text" : "markdown",
    maxBytes: asText ? Math.min(c.max_bytes, WECOM_TEXT_MAX_BYTES) : c.max_bytes,
    // WeCom counts the content's UTF-8 bytes.
    measure: (_title, body) => utf8Bytes(body),
    suffix: !asText && users ? `\n\n${users}` : "",
    custom: c.template,
    async send(content) {
      const url = new URL("/cgi-bin/webhook/send", c.base_url);
      url.searchParams.set("key", c.key);
      const body = asText
        ? {
            msgtype: "text",
            text: {
              content: content.body,
              mentioned_list: c.mentioned_users,
              mentioned_mobile_list: c.mentioned_mobiles,
            },
          }
        : { msgtype: "markdown", markdown: { content: content.body } };
      const res = await postJson(url.href, body, timeoutMs);
      if (isOutcome(res)) return res;
      const j = res.json as { errcode?: number; errmsg?: string } | undefined;
      if (res.status === 200 && typeof j?.errcode === "number") return wecomOutcome(j.errcode, j.errmsg ?? "");
      return httpOutcome(res.status === 200 ? 502 : res.status, res.text);
    },
  };
}
