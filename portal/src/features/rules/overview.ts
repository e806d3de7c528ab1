// The Rules page's list (and GET /api/alerts/rules): the portal's rules with what Prometheus
// says of each — loaded, firing or pending, last evaluated — found by the rule id every portal
// rule carries as an annotation; and Prometheus' other alerting rules (the shipped files), read-only.
import { config } from "@/lib/config.ts";
import { loadedRules } from "./prometheus.ts";
import { conditionExpr, GROUP_INTERVAL, RULE_ID_ANNOTATION } from "./rule.ts";
import { groupsOf, portalRules } from "./store.ts";

/** Whether this user may change rules of this group: admins all, operators theirs (all when unlisted). */
export function mayChangeGroup(user: string, group: string): boolean {
  const account = config().portal.users.find((u) => u.name === user);
  if (!account) return false;
  if (account.role === "admin") return true;
  return account.role === "operator" && (!account.rule_groups || account.rule_groups.includes(group));
}

export async function rulesOverview(user: string) {
  const rules = portalRules();
  const loaded = await loadedRules();
  const byId = new Map<
    string,
    { state?: string; health: string; lastError?: string; lastEvaluation: string; firing: number; pending: number }
  >();
  const shipped: { group: string; file: string; alert: string; state?: string; health: string }[] = [];
  if (loaded.ok)
    for (const group of loaded.data)
      for (const r of group.rules) {
        const id = r.annotations?.[RULE_ID_ANNOTATION];
        const alerts = r.alerts ?? [];
        if (id)
          byId.set(id, {
            state: r.state,
            health: r.health,
            lastError: r.lastError,
            lastEvaluation: r.lastEvaluation,
            firing: alerts.filter((a) => a.state === "firing").length,
            pending: alerts.filter((a) => a.state === "pending").length,
          });
        else
          shipped.push({
            group: group.name,
            file: group.file.split("/").pop()!,
            alert: r.name,
            state: r.state,
            health: r.health,
          });
      }
  return {
    rules: rules.map((r) => ({
      ...r,
      expr: conditionExpr(r.condition),
      prometheus: byId.get(r.id),
      may_change: mayChangeGroup(user, r.group),
    })),
    groups: groupsOf(rules),
    shipped,
    prometheus_error: loaded.ok ? undefined : loaded.error,
    evaluation_interval: GROUP_INTERVAL,
  };
}
