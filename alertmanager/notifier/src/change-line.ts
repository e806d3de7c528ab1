// The "what changed?" line of a message, in its language: the likeliest change before the alert
// and the error kinds new since the likeliest deploy, e.g.
//   "12 分钟前 shop 部署了 v1.4.2（alice，3f2a9c1）· 新错误 3 种".
// Plain text: the values are data (a deploy's actor, version), escaped by the template's format.
import type { ChangeSummary } from "@opsdeck/contracts";
import { fillNamed, type Strings } from "./i18n.ts";

/** Each kind's sentence; a deploy's depends on how it ended. */
const TEMPLATE = {
  restart: "change_restart",
  crash: "change_crash",
  "host-down": "change_host_down",
  config: "change_config",
} as const satisfies Record<Exclude<NonNullable<ChangeSummary["top"]>["kind"], "deploy">, keyof Strings>;

function ago(minutes: number, t: Strings): string {
  if (minutes <= 0) return t.change_at_start;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const parts = [h > 0 && fillNamed(t.hours, { n: h }), (m > 0 || h === 0) && fillNamed(t.minutes, { n: m })];
  return fillNamed(t.change_ago, { t: parts.filter(Boolean).join(" ") });
}

/** The line, or undefined when there is nothing to say. */
export function changeLine(summary: ChangeSummary | undefined, t: Strings): string | undefined {
  if (!summary) return undefined;
  const parts: string[] = [];
  const top = summary.top;
  if (top) {
    const d = ago(top.minutes_before, t);
    const who = [top.actor, top.commit].filter(Boolean);
    const as = who.length ? `${t.list_open}${who.join(t.list_sep)}${t.list_close}` : "";
    const failed = top.result !== undefined && top.result !== "succeeded" && top.result !== "running";
    const vars = {
      d,
      as,
      project: top.project ?? top.title,
      version: top.version ?? top.commit ?? "",
      app: top.app ?? top.title,
      host: top.hosts[0] ?? top.title,
      title: top.title,
      n: top.count ?? 1,
    };
    const template =
      top.kind === "deploy" ? (failed ? t.change_deploy_failed : t.change_deploy) : t[TEMPLATE[top.kind]];
    parts.push(fillNamed(template, vars).replace(/\s+/g, " ").trim());
  }
  const kinds = summary.new_errors?.kinds ?? 0;
  if (kinds > 0)
    parts.push(
      top?.kind === "deploy"
        ? fillNamed(t.change_new_errors, { n: kinds })
        : fillNamed(t.change_new_errors_since, { n: kinds, v: summary.new_errors?.since ?? "" }),
    );
  return parts.length ? `⚠ ${parts.join(" · ")}` : undefined;
}
