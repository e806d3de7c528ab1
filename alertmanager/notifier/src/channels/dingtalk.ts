// DingTalk custom robot (自定义机器人): signed webhook, markdown, mentions; errors come inside
// HTTP 200 bodies as errcode.
import { createHmac } from "node:crypto";
import type { ChannelConfig } from "@opsdeck/core";
import type { Outcome } from "../model.ts";
import { httpOutcome, isOutcome, postJson, utf8Bytes, type Channel } from "./channel.ts";

type DingtalkConfig = Extract<ChannelConfig, { type: "dingtalk" }>;

/** timestamp + "\n" + secret, HMAC-SHA256 with the secret, base64, URL-encoded. */
export function dingtalkSign(secret: string, timestamp: number): string {
  return encodeURIComponent(createHmac("sha256", secret).update(`${timestamp}\n${secret}`).digest("base64"));
}

const THROTTLED = new Set([130101, 410100]);
/** Keyword / signature / IP (310000), bad or empty token (300005, 300001, 400101), robot stopped (400102). */
const CONFIG = new Set([310000, 300005, 300001, 400101, 400102]);
/** 460101: the request body is over 20,000 bytes. */
const OVERSIZE = 460101;
const REJECTED = new Set([40035, 43004]);

export function dingtalkOutcome(errcode: number, errmsg: string): Outcome {
  if (errcode === 0) return { ok: true };
  const code = String(errcode);
  const message = errmsg || "no errmsg";
  if (THROTTLED.has(errcode)) return { ok: false, kind: "throttled", code, message, retryAfterMs: 60_000 };
  if (CONFIG.has(errcode)) return { ok: false, kind: "config", code, message };
  if (errcode === OVERSIZE) return { ok: false, kind: "oversize", code, message };
  if (REJECTED.has(errcode)) return { ok: false, kind: "rejected", code, message };
  return { ok: false, kind: "transient", code, message };
}

export function dingtalkChannel(name: string, c: DingtalkConfig, timeoutMs: number): Channel {
  // For markdown, DingTalk only notifies the @mobiles that also appear in the text.
  const mentions = [...c.at_mobiles, ...c.at_user_ids].map((m) => `@${m}`).join(" ");
  const request = (title: string, text: string) => ({
    msgtype: "markdown",
    markdown: { title, text },
    at: { atMobiles: c.at_mobiles, atUserIds: c.at_user_ids, isAtAll: c.at_all },
  });
  return {
    name,
    type: "dingtalk",
    ratePerMinute: c.rate_per_minute,
    format: "markdown",
    digestFormat: "markdown",
    maxBytes: c.max_bytes,
    // DingTalk's 20,000 bytes are the whole request body, not the markdown alone.
    measure: (title, body) => utf8Bytes(JSON.stringify(request(title, body))),
    suffix: mentions ? `\n\n${mentions}` : "",
    custom: c.template,
    async send(content) {
      const url = new URL("/robot/send", c.base_url);
      url.searchParams.set("access_token", c.access_token);
      if (c.secret) {
        const ts = Date.now();
        url.search += `&timestamp=${ts}&sign=${dingtalkSign(c.secret, ts)}`;
      }
      const res = await postJson(url.href, request(content.title, content.body), timeoutMs);
      if (isOutcome(res)) return res;
      const j = res.json as { errcode?: number; errmsg?: string } | undefined;
      if (res.status === 200 && typeof j?.errcode === "number") return dingtalkOutcome(j.errcode, j.errmsg ?? "");
      return httpOutcome(res.status === 200 ? 502 : res.status, res.text);
    },
  };
}
