import { channelViewSchema, notificationSummarySchema } from "@opsdeck/contracts";
import { parseConfig } from "@opsdeck/core";
import { describe, expect, it } from "vitest";
import { createNotifierState } from "./state.ts";
import { systemNotification } from "./system.ts";
import { channelView, notificationSummary } from "./views.ts";

describe("the notifier's views", () => {
  it("are exactly the contracts the portal reads, with ISO times", () => {
    const state = createNotifierState({ historyMs: 86_400_000 });
    const at = Date.UTC(2026, 0, 1);
    const n = systemNotification({
      kind: "test",
      alertname: "OpsDeckTest",
      severity: "info",
      summary: "hello",
      description: "",
      channels: ["robot"],
      now: at,
    });
    state.apply({ t: "in", n });
    state.apply({
      t: "fail",
      channel: "robot",
      ids: [n.id],
      at,
      kind: "config",
      code: "310000",
      message: "sign",
      next_at: at,
    });
    const summary = notificationSummarySchema.parse(notificationSummary(state.head(n.id)!, state.deliveriesOf(n.id)));
    expect(summary.deliveries.robot).toMatchObject({ state: "pending", attempts: 1, last_error: { code: "310000" } });
    const config = parseConfig(
      "notifier:\n  channels:\n    robot: { type: webhook, url: http://127.0.0.1:1/hook }\n",
      "opsdeck.yml",
      {},
    ).notifier;
    const view = channelViewSchema.parse(channelView("robot", state, config, 20, at));
    expect(view).toMatchObject({ type: "webhook", up: false, queue: 1, failing: { code: "310000" } });
  });
});
