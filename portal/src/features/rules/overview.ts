// The Rules page's list (and GET /api/alerts/rules): the portal's rules with what Prometheus
// says of each — loaded, firing or pending, last evaluated — found by the rule id every portal
// rule carries as an annotation; and the shipped rules (provisioning/prometheus/rules), each
// with its override if the team made one, and as a rule the editor can start an override from.
import { basename } from "node:path";
import { sameTarget, shippedRules, type ShippedRule } from "@opsdeck/core/shipped-rules";
import { config } from "@/lib/config.ts";
import { loadedRules } from "./prometheus.ts";
import { conditionExpr, GROUP_INTERVAL, importedRules, RULE_ID_ANNOTATION, type RuleInput } from "./rule.ts";
import { groupsOf, portalRules, shippedSourceDir } from "./store.ts";

/** A shipped rule's group on the Rules page (and in users[].rule_groups): its file's name, e.g. pm2. */
export const shippedGroup = (file: string) => basename(file, ".yml");

/** A shipped rule as the editor's starting point for an override of it. */
export function shippedAsInput(s: ShippedRule): RuleInput {
  const group = shippedGroup(s.file);
  const [input] = importedRules({ groups: [{ name: group, rules: [s.rule] }] }).rules;
  return { ...input, overrides: { file: s.file, alert: s.alert, labels: s.labels } };
}

/** The editor's start for an override; none for a rule the builder's limits cannot hold (it stays listed). */
function startOf(s: ShippedRule): RuleInput | undefined {
  try {
    return shippedAsInput(s);
  } catch {
    return undefined;
  }
}

/** The shipped rules, when this portal can read them (OPSDECK_SHIPPED_RULES_DIR or the image's). */
export function shipped(): ShippedRule[] {
  const source = shippedSourceDir();
  return source ? shippedRules(source) : [];
}

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
  /** Prometheus' state of the shipped rules, by file, name and labels. */
  const shippedState: {
    file: string;
    alert: string;
    labels: Record<string, string>;
    state?: string;
    health: string;
  }[] = [];
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
          shippedState.push({
            file: basename(group.file),
            alert: r.name,
            labels: r.labels ?? {},
            state: r.state,
            health: r.health,
          });
      }
  const shippedList = shipped().map((s) => ({
    file: s.file,
    group: s.group,
    alert: s.alert,
    labels: s.labels,
    state: shippedState.find((p) => sameTarget(p, s))?.state,
    override: rules.find((r) => r.overrides && sameTarget(r.overrides, s))?.id,
    original: startOf(s),
    may_change: mayChangeGroup(user, shippedGroup(s.file)),
  }));
  return {
    rules: rules.map((r) => ({
      ...r,
      expr: conditionExpr(r.condition),
      prometheus: byId.get(r.id),
      may_change: mayChangeGroup(user, r.group),
      // An override whose shipped rule an upgrade removed or renamed: it applies to nothing.
      orphaned: !!r.overrides && shippedList.length > 0 && !shippedList.some((s) => sameTarget(s, r.overrides!)),
    })),
    groups: groupsOf(rules.filter((r) => !r.overrides)),
    // Without the shipped files here, what Prometheus has loaded of them (read-only).
    shipped: shippedList.length
      ? shippedList
      : shippedState.map((p) => ({ ...p, group: shippedGroup(p.file), may_change: false })),
    prometheus_error: loaded.ok ? undefined : loaded.error,
    evaluation_interval: GROUP_INTERVAL,
  };
}
