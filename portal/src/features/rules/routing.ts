// Where Alertmanager would send an alert with these labels — `amtool config routes test` on the
// running configuration (GET /api/v2/status gives it): the route tree walked as Alertmanager
// walks it (depth first, the first matching child unless `continue`, the parent when no child
// matches), the group it would join, and what would keep it quiet: an inhibition by an alert
// firing now, or an active silence. Regexes run on RE2, Alertmanager's dialect, anchored.
import { RE2JS } from "re2js";
import { parse } from "yaml";

export interface Matcher {
  name: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

interface RouteConfig {
  receiver?: string;
  matchers?: string[];
  match?: Record<string, string>;
  match_re?: Record<string, string>;
  group_by?: string[];
  continue?: boolean;
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  routes?: RouteConfig[];
}

interface InhibitRule {
  source_matchers?: string[];
  target_matchers?: string[];
  source_match?: Record<string, string>;
  target_match?: Record<string, string>;
  source_match_re?: Record<string, string>;
  target_match_re?: Record<string, string>;
  equal?: string[];
}

export interface AlertmanagerConfig {
  route: RouteConfig;
  inhibit_rules?: InhibitRule[];
}

export interface RouteMatch {
  receiver: string;
  groupBy: string[];
  /** The route's matchers, from the root down: why it was chosen. */
  path: string[];
  muteTimeIntervals: string[];
}

const MATCHER =
  /^\s*([a-zA-Z_][a-zA-Z0-9_]*|"(?:[^"\\]|\\.)*")\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^",}]*?))\s*$/;

/** One of Alertmanager's matcher strings: team="business", severity=~"crit.*", a=b. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text.replace(/^\{|\}$/g, ""));
  if (!m) throw new Error(`not a matcher: ${text}`);
  const name = m[1].startsWith('"') ? (JSON.parse(m[1]) as string) : m[1];
  const value = m[3] !== undefined ? (JSON.parse(`"${m[3]}"`) as string) : m[4];
  return { name, op: m[2] as Matcher["op"], value };
}

export function matches(matcher: Matcher, labels: Record<string, string>): boolean {
  const value = labels[matcher.name] ?? "";
  switch (matcher.op) {
    case "=":
      return value === matcher.value;
    case "!=":
      return value !== matcher.value;
    case "=~":
      return RE2JS.compile(`^(?:${matcher.value})$`).matches(value);
    case "!~":
      return !RE2JS.compile(`^(?:${matcher.value})$`).matches(value);
  }
}

/** A route's or inhibition's matchers, whichever form the configuration uses. */
function matchersOf(list?: string[], eq?: Record<string, string>, re?: Record<string, string>): Matcher[] {
  return [
    ...(list ?? []).map(parseMatcher),
    ...Object.entries(eq ?? {}).map(([name, value]) => ({ name, op: "=" as const, value })),
    ...Object.entries(re ?? {}).map(([name, value]) => ({ name, op: "=~" as const, value })),
  ];
}

const matcherText = (m: Matcher) => `${m.name}${m.op}${JSON.stringify(m.value)}`;

export function parseAlertmanagerConfig(original: string): AlertmanagerConfig {
  const doc = parse(original) as AlertmanagerConfig | null;
  if (!doc?.route) throw new Error("Alertmanager's configuration has no route");
  return doc;
}

/** The routes an alert with these labels reaches (amtool config routes test). */
export function routesFor(config: AlertmanagerConfig, labels: Record<string, string>): RouteMatch[] {
  const found: RouteMatch[] = [];
  const walk = (route: RouteConfig, inherited: RouteMatch): boolean => {
    const own = matchersOf(route.matchers, route.match, route.match_re);
    if (!own.every((m) => matches(m, labels))) return false;
    const here: RouteMatch = {
      receiver: route.receiver ?? inherited.receiver,
      groupBy: route.group_by ?? inherited.groupBy,
      path: [...inherited.path, ...own.map(matcherText)],
      muteTimeIntervals: route.mute_time_intervals ?? inherited.muteTimeIntervals,
    };
    let matchedChild = false;
    for (const child of route.routes ?? []) {
      if (!walk(child, here)) continue;
      matchedChild = true;
      if (!child.continue) break;
    }
    if (!matchedChild) found.push(here);
    return true;
  };
  walk(config.route, { receiver: "", groupBy: [], path: [], muteTimeIntervals: [] });
  return found;
}

export interface Inhibition {
  /** The firing alert that would inhibit it. */
  by: Record<string, string>;
  rule: string;
}

/** Alerts firing now that an inhibition rule lets mute one with these labels. */
export function inhibitionsOf(
  config: AlertmanagerConfig,
  labels: Record<string, string>,
  firing: Record<string, string>[],
): Inhibition[] {
  const found: Inhibition[] = [];
  for (const rule of config.inhibit_rules ?? []) {
    const target = matchersOf(rule.target_matchers, rule.target_match, rule.target_match_re);
    if (!target.every((m) => matches(m, labels))) continue;
    const source = matchersOf(rule.source_matchers, rule.source_match, rule.source_match_re);
    const equal = rule.equal ?? [];
    for (const alert of firing) {
      // Alertmanager never lets an alert inhibit itself.
      if (JSON.stringify(alert) === JSON.stringify(labels)) continue;
      if (!source.every((m) => matches(m, alert))) continue;
      if (!equal.every((l) => (alert[l] ?? "") === (labels[l] ?? ""))) continue;
      found.push({ by: alert, rule: `${source.map(matcherText).join(", ")} → ${target.map(matcherText).join(", ")}` });
      break;
    }
  }
  return found;
}

export interface SilenceLike {
  id: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  createdBy: string;
  comment: string;
  endsAt: string;
  status: { state: string };
}

/** Active silences whose matchers all match these labels. */
export function silencesOf(silences: SilenceLike[], labels: Record<string, string>): SilenceLike[] {
  return silences.filter(
    (s) =>
      s.status.state === "active" &&
      s.matchers.every((m) =>
        matches(
          {
            name: m.name,
            value: m.value,
            op: m.isRegex ? (m.isEqual === false ? "!~" : "=~") : m.isEqual === false ? "!=" : "=",
          },
          labels,
        ),
      ),
  );
}
