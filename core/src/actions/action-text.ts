// What an action does, in the reader's language: on the portal's buttons and confirmation, and
// in the notifier's follow-up message (one text, wherever it is read).
import type { RecoveryAction } from "./action.ts";

export type ActionLang = "zh-CN" | "en";

const TEXTS = {
  "zh-CN": {
    restart_all: "重启 {app}（全部实例）",
    restart_one: "重启 {app}#{n}",
    reload: "平滑重载 {app}（逐个工作进程）",
    scale: "将 {app} 调整为 {n} 个实例",
    reset: "清零 {app} 的重启计数",
    flush: "清空 {app} 的日志文件",
    rollback: "将 {project}（{environment}）回滚到上一个成功版本",
    runbook: "为 {app} 运行处理脚本 {name}",
  },
  en: {
    restart_all: "Restart {app} (all instances)",
    restart_one: "Restart {app}#{n}",
    reload: "Reload {app} (one worker at a time)",
    scale: "Scale {app} to {n} instances",
    reset: "Reset {app}'s restart counters",
    flush: "Empty {app}'s log files",
    rollback: "Roll {project} ({environment}) back to its previous successful version",
    runbook: "Run the runbook script {name} for {app}",
  },
} as const;

export function actionText(action: RecoveryAction, lang: ActionLang): string {
  const t = TEXTS[lang];
  if (action.kind === "rollback")
    return t.rollback.replace("{project}", action.project).replace("{environment}", action.environment);
  const fill = (s: string, n?: number) => s.replace("{app}", action.app).replace("{n}", String(n));
  switch (action.kind) {
    case "restart":
      return action.instance === undefined ? fill(t.restart_all) : fill(t.restart_one, action.instance);
    case "reload":
      return fill(t.reload);
    case "scale":
      return fill(t.scale, action.instances);
    case "reset-restarts":
      return fill(t.reset);
    case "flush-logs":
      return fill(t.flush);
    case "runbook":
      return fill(t.runbook).replace("{name}", action.name);
  }
}
