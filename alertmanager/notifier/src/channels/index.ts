import type { ChannelConfig } from "@opsdeck/core";
import type { RenderOptions } from "../render.ts";
import type { Channel } from "./channel.ts";
import { dingtalkChannel } from "./dingtalk.ts";
import { emailChannel } from "./email.ts";
import { webhookChannel } from "./webhook.ts";
import { wecomChannel } from "./wecom.ts";

export type { Channel, Content } from "./channel.ts";

export function createChannel(name: string, c: ChannelConfig, timeoutMs: number, render: RenderOptions): Channel {
  switch (c.type) {
    case "dingtalk":
      return dingtalkChannel(name, c, timeoutMs);
    case "wecom":
      return wecomChannel(name, c, timeoutMs);
    case "email":
      return emailChannel(name, c, timeoutMs, render);
    case "webhook":
      return webhookChannel(name, c, timeoutMs);
  }
}
