// Every word a person reads in a notification, in zh-CN and English.
export type Lang = "zh-CN" | "en";

const zh = {
  firing: "告警",
  resolved: "已恢复",
  escalated: "升级",
  test: "测试",
  system: "OpsDeck",
  critical: "严重",
  warning: "警告",
  info: "提示",
  none: "无",
  started: "开始时间",
  ended: "结束时间",
  labels: "标签",
  alert_page: "告警详情",
  graph: "图表",
  silence: "静默",
  ack: "确认",
  ack_group: "一键确认",
  logs: "日志",
  runbook: "处理手册",
  portal: "在门户中查看全部",
  more: "还有 N 条未列出",
  digest_title: "告警汇总（N 条）",
  digest_note: "消息过多，已合并为汇总以免超出机器人的频率限制。",
  alerts_count: "N 条",
  escalation_note: "严重告警已持续 M 分钟仍未被确认（静默），按升级策略通知。",
  test_summary: "OpsDeck 通知测试",
  test_description: "这是一条测试消息：渠道 C 配置正确，可以送达。",
  pipeline_broken: "监控链路中断",
  pipeline_broken_description:
    "已有 M 分钟没有收到 Watchdog 心跳：Prometheus、告警规则或 Alertmanager 可能已停止工作，此期间的告警可能不会送达。",
  pipeline_back: "监控链路已恢复",
  pipeline_back_description: "重新收到 Watchdog 心跳，告警链路恢复正常。",
  channel_failing: "通知渠道故障",
  channel_failing_description:
    "渠道 C 因配置错误无法送达（错误码 E：R）。其消息已保留，修复后会补发；其他渠道继续通知。",
  // "What changed before this alert?" — {d}: how long before; {as}: ({actor}, {commit}).
  change_deploy: "{d} {project} 部署了 {version}{as}",
  change_deploy_failed: "{d} {project} 部署 {version} 失败{as}",
  change_restart: "{d} {app} 重启了 {n} 次",
  change_crash: "{d} {app} 崩溃（errored）",
  change_host_down: "{d} 主机 {host} 宕机",
  change_config: "{d} 配置变更：{title}",
  change_ago: "{t}前",
  change_at_start: "告警开始时",
  change_new_errors: "新错误 {n} 种",
  change_new_errors_since: "新出现的错误（自 {v} 起）: {n} 种",
  change_link: "时间线",
  minutes: "{n} 分钟",
  hours: "{n} 小时",
  list_open: "（",
  list_sep: "，",
  list_close: "）",
};

const en: typeof zh = {
  firing: "FIRING",
  resolved: "RESOLVED",
  escalated: "ESCALATED",
  test: "TEST",
  system: "OpsDeck",
  critical: "critical",
  warning: "warning",
  info: "info",
  none: "none",
  started: "Started",
  ended: "Ended",
  labels: "Labels",
  alert_page: "Alert",
  graph: "Graph",
  silence: "Silence",
  ack: "Acknowledge",
  ack_group: "Acknowledge",
  logs: "Logs",
  runbook: "Runbook",
  portal: "see all in the portal",
  more: "+N more not listed",
  digest_title: "Alert digest (N)",
  digest_note: "Too many messages: merged into a digest to stay within the robot's rate limit.",
  alerts_count: "N alerts",
  escalation_note: "A critical alert has fired for M minutes and nobody acknowledged (silenced) it; escalating.",
  test_summary: "OpsDeck notification test",
  test_description: "A test message: channel C is configured and delivers.",
  pipeline_broken: "Monitoring pipeline broken",
  pipeline_broken_description:
    "No Watchdog heartbeat for M minutes: Prometheus, its rules or Alertmanager may have stopped, and alerts may not be delivered meanwhile.",
  pipeline_back: "Monitoring pipeline back",
  pipeline_back_description: "The Watchdog heartbeat arrives again; alerting works.",
  channel_failing: "Notification channel failing",
  channel_failing_description:
    "Channel C cannot deliver because of its configuration (code E: R). Its messages are kept and will be sent once it is fixed; other channels keep notifying.",
  change_deploy: "{project} {version} deployed {d}{as}",
  change_deploy_failed: "{project} {version} deploy failed {d}{as}",
  change_restart: "{app} restarted {n} times {d}",
  change_crash: "{app} crashed (errored) {d}",
  change_host_down: "host {host} went down {d}",
  change_config: "config change {d}: {title}",
  change_ago: "{t} ago",
  change_at_start: "as the alert began",
  change_new_errors: "new error kinds: {n}",
  change_new_errors_since: "new error kinds since {v}: {n}",
  change_link: "Timeline",
  minutes: "{n} min",
  hours: "{n} h",
  list_open: " (",
  list_sep: ", ",
  list_close: ")",
};

export const STRINGS: Record<Lang, typeof zh> = { "zh-CN": zh, en };
export type Strings = typeof zh;

/** Fills N, M, C, E, R placeholders. */
export function fill(s: string, vars: Record<string, string | number>): string {
  return s.replace(/\b([NMCER])\b/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/** Fills {name} placeholders; unknown ones are left as they are. */
export function fillNamed(s: string, vars: Record<string, string | number | undefined>): string {
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (vars[k] !== undefined ? String(vars[k]) : m));
}
