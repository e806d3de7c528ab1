import { describe, expect, it } from "vitest";
import type { ChangeSummary } from "@opsdeck/contracts";
import { changeLine } from "./change-line.ts";
import { STRINGS } from "./i18n.ts";

const deploy: ChangeSummary = {
  top: {
    kind: "deploy",
    minutes_before: 12,
    title: "shop v1.4.2",
    project: "shop",
    version: "v1.4.2",
    commit: "3f2a9c1",
    actor: "alice",
    result: "succeeded",
    hosts: [],
    reasons: ["same_app"],
  },
  new_errors: { since: "v1.4.2", kinds: 3 },
  complete: true,
};

describe("the 'what changed?' line", () => {
  it("names the deploy, who, which commit, and the new error kinds, in both languages", () => {
    expect(changeLine(deploy, STRINGS["zh-CN"])).toBe("⚠ 12 分钟前 shop 部署了 v1.4.2（alice，3f2a9c1） · 新错误 3 种");
    expect(changeLine(deploy, STRINGS.en)).toBe(
      "⚠ shop v1.4.2 deployed 12 min ago (alice, 3f2a9c1) · new error kinds: 3",
    );
  });

  it("says a failed deploy failed, and hours as hours", () => {
    const failed = { ...deploy, top: { ...deploy.top!, result: "failed", minutes_before: 125 }, new_errors: null };
    expect(changeLine(failed, STRINGS["zh-CN"])).toBe("⚠ 2 小时 5 分钟前 shop 部署 v1.4.2 失败（alice，3f2a9c1）");
    expect(changeLine(failed, STRINGS.en)).toBe("⚠ shop v1.4.2 deploy failed 2 h 5 min ago (alice, 3f2a9c1)");
  });

  it("words restarts, crashes and hosts down; new errors alone name their deploy", () => {
    const restart: ChangeSummary = {
      top: {
        kind: "restart",
        minutes_before: 0,
        title: "demo-shop ×5",
        app: "demo-shop",
        count: 5,
        hosts: [],
        reasons: [],
      },
      new_errors: { since: "v2", kinds: 1 },
      complete: true,
    };
    expect(changeLine(restart, STRINGS["zh-CN"])).toBe(
      "⚠ 告警开始时 demo-shop 重启了 5 次 · 新出现的错误（自 v2 起）: 1 种",
    );
    expect(changeLine(restart, STRINGS.en)).toBe(
      "⚠ demo-shop restarted 5 times as the alert began · new error kinds since v2: 1",
    );
    const down: ChangeSummary = {
      top: { kind: "host-down", minutes_before: 3, title: "web-2 down", hosts: ["web-2"], reasons: [] },
      new_errors: null,
      complete: true,
    };
    expect(changeLine(down, STRINGS.en)).toBe("⚠ host web-2 went down 3 min ago");
  });

  it("is left out when nothing changed or there is no answer", () => {
    expect(changeLine(undefined, STRINGS.en)).toBeUndefined();
    expect(changeLine({ top: null, new_errors: { kinds: 0 }, complete: true }, STRINGS.en)).toBeUndefined();
  });
});
