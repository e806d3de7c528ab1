// The alert-rule API (the Rules page and CI): list, check, create, change, enable / disable,
// remove, backtest, test-fire, export and import. Reading needs a session; a change needs an
// operator allowed the rule's group (users[].rule_groups) or an admin, CSRF-checked, and is
// on disk (rules.yml, the group's rule file) and in the audit trail before the answer.
import { randomBytes } from "node:crypto";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { currentSession, deniedResponse, requireChange } from "@/features/auth/auth.ts";
import { audit } from "@/lib/audit.ts";
import { invalidBody, parseBody } from "@/lib/change-request.ts";
import { config } from "@/lib/config.ts";
import { backtest, durationMs } from "./backtest.ts";
import { exprChecks, parseExpr } from "./checks.ts";
import { sameTarget } from "@opsdeck/core/shipped-target";
import { mayChangeGroup, rulesOverview, shipped, shippedAsInput, shippedGroup } from "./overview.ts";
import { range } from "./prometheus.ts";
import {
  conditionExpr,
  conditionSchema,
  groupFile,
  importedRules,
  ruleInputSchema,
  watchedExpr,
  type Rule,
  type RuleInput,
} from "./rule.ts";
import { changeRules, portalRules, RuleChangeError } from "./store.ts";
import { testFire } from "./test-fire.ts";

const refused = (err: unknown) => {
  if (err instanceof RuleChangeError)
    return Response.json({ error: err.message, problems: err.problems }, { status: err.status });
  throw err;
};

const forbiddenGroup = (group: string) =>
  Response.json({ error: `you may not change rules of group "${group}"` }, { status: 403 });

/** The user changing a rule of `group`, or the refusal (401 / 403). */
async function changer(groups: string[]): Promise<string | Response> {
  let user: string;
  try {
    user = (await requireChange("operator")).user;
  } catch (err) {
    return deniedResponse(err);
  }
  const denied = groups.find((g) => !mayChangeGroup(user, g));
  return denied ? forbiddenGroup(denied) : user;
}

/** Parses the rule's expression with Prometheus: the 400 naming the position, or the warnings. */
async function checked(rule: Pick<RuleInput, "condition">) {
  const expr = conditionExpr(rule.condition);
  const parsed = await parseExpr(expr);
  if (!parsed.ok) {
    const p = parsed.problem;
    const where = p.line ? `${p.line}:${p.column}: ` : "";
    return Response.json(
      { error: `expr: ${where}${p.detail}`, problems: [{ field: "expr", ...p }], expr },
      { status: parsed.status },
    );
  }
  return { expr, ...(await exprChecks(expr, parsed.ast)) };
}

const newId = () => randomBytes(6).toString("hex");

const stamp = (input: RuleInput, id: string, user: string): Rule => ({
  ...input,
  id,
  updated_at: new Date().toISOString(),
  updated_by: user,
});

/** What the audit trail's diff shows of a rule: all but its bookkeeping. */
const auditedRule = (rule: Rule | undefined) => {
  if (!rule) return undefined;
  const { updated_at: _at, updated_by: _by, ...rest } = rule;
  return { ...rest, expr: conditionExpr(rule.condition) };
};

const ruleChange = (id: string, lists: { before: Rule[]; after: Rule[] }) => ({
  target: `rule:${id}`,
  before: auditedRule(lists.before.find((r) => r.id === id)),
  after: auditedRule(lists.after.find((r) => r.id === id)),
});

const sameName = (a: RuleInput, b: RuleInput) =>
  a.group === b.group && a.alert === b.alert && a.severity === b.severity;

/** The 409 when another rule has this one's name, or overrides the same shipped rule. */
function conflict(rules: Rule[], input: RuleInput, id?: string) {
  const other = rules.filter((r) => r.id !== id);
  const target = input.overrides;
  if (target) {
    if (other.some((r) => r.overrides && sameTarget(r.overrides, target)))
      return new RuleChangeError(
        409,
        `${target.file} ${target.alert} ${JSON.stringify(target.labels)} is overridden already`,
      );
  } else if (other.some((r) => !r.overrides && sameName(r, input)))
    return new RuleChangeError(409, `group "${input.group}" already has ${input.alert} (${input.severity})`);
  return undefined;
}

/**
 * An override as saved: it keeps the shipped rule's name, and its group is the shipped file's
 * (what users[].rule_groups names). A 404 when no such rule is shipped.
 */
function asOverride(input: RuleInput): RuleInput | Response {
  const target = input.overrides;
  if (!target) return input;
  const original = shipped().find((s) => sameTarget(s, target));
  if (!original)
    return Response.json(
      { error: `overrides: no shipped rule ${target.alert} ${JSON.stringify(target.labels)} in ${target.file}` },
      { status: 404 },
    );
  return { ...input, group: shippedGroup(target.file), alert: original.alert };
}

/** GET /api/alerts/rules: the portal's rules with what Prometheus says of each, and the shipped ones (read-only). */
export async function listRules() {
  const session = await currentSession();
  if (!session) return Response.json({ error: "sign in first" }, { status: 401 });
  return Response.json(await rulesOverview(session.user));
}

/** POST /api/alerts/rules/check: the expression's problems and warnings, nothing saved. */
export async function checkRule(req: Request) {
  if (!(await currentSession())) return Response.json({ error: "sign in first" }, { status: 401 });
  // Only the condition matters here: an expression can be checked before the rule has a name.
  const rule = await parseBody(req, z.object({ condition: conditionSchema }));
  if (rule instanceof Response) return rule;
  const checks = await checked(rule);
  return checks instanceof Response ? checks : Response.json(checks);
}

export async function createRule(req: Request) {
  const body = await parseBody(req, ruleInputSchema);
  if (body instanceof Response) return body;
  const input = asOverride(body);
  if (input instanceof Response) return input;
  const user = await changer([input.group]);
  if (user instanceof Response) return user;
  const checks = await checked(input);
  if (checks instanceof Response) return checks;
  const rule = stamp(input, newId(), user);
  let lists;
  try {
    lists = await changeRules((rules) => {
      const refusal = conflict(rules, input);
      if (refusal) throw refusal;
      return [...rules, rule];
    });
  } catch (err) {
    return refused(err);
  }
  await audit(
    user,
    "rule-created",
    { "opsdeck.rule.id": rule.id, "opsdeck.rule.alert": rule.alert },
    ruleChange(rule.id, lists),
  );
  return Response.json({ rule, checks }, { status: 201 });
}

type Params = { params: Promise<{ id: string }> };

const existing = (id: string) => {
  const rule = portalRules().find((r) => r.id === id);
  return rule ?? Response.json({ error: `no rule "${id}"` }, { status: 404 });
};

export async function changeRule(req: Request, { params }: Params) {
  const { id } = await params;
  const body = await parseBody(req, ruleInputSchema);
  if (body instanceof Response) return body;
  const current = existing(id);
  if (current instanceof Response) return current;
  // An override stays the override of its shipped rule; a rule of the team's stays one.
  const input = asOverride({ ...body, overrides: current.overrides });
  if (input instanceof Response) return input;
  const user = await changer([current.group, input.group]);
  if (user instanceof Response) return user;
  const checks = await checked(input);
  if (checks instanceof Response) return checks;
  let lists;
  try {
    lists = await changeRules((rules) => {
      const refusal = conflict(rules, input, id);
      if (refusal) throw refusal;
      return rules.map((r) => (r.id === id ? stamp(input, id, user) : r));
    });
  } catch (err) {
    return refused(err);
  }
  await audit(
    user,
    "rule-changed",
    { "opsdeck.rule.id": id, "opsdeck.rule.alert": input.alert },
    ruleChange(id, lists),
  );
  return Response.json({ rule: lists.after.find((r) => r.id === id), checks });
}

export async function enableRule(req: Request, { params }: Params) {
  const { id } = await params;
  const body = await parseBody(req, z.strictObject({ enabled: z.boolean() }));
  if (body instanceof Response) return body;
  const current = existing(id);
  if (current instanceof Response) return current;
  const user = await changer([current.group]);
  if (user instanceof Response) return user;
  let lists;
  try {
    lists = await changeRules((rules) =>
      rules.map((r) => (r.id === id ? stamp({ ...r, enabled: body.enabled }, id, user) : r)),
    );
  } catch (err) {
    return refused(err);
  }
  await audit(user, body.enabled ? "rule-enabled" : "rule-disabled", { "opsdeck.rule.id": id }, ruleChange(id, lists));
  return Response.json({ id, enabled: body.enabled });
}

export async function removeRule(_req: Request, { params }: Params) {
  const { id } = await params;
  const current = existing(id);
  if (current instanceof Response) return current;
  const user = await changer([current.group]);
  if (user instanceof Response) return user;
  let lists;
  try {
    lists = await changeRules((rules) => rules.filter((r) => r.id !== id));
  } catch (err) {
    return refused(err);
  }
  await audit(
    user,
    "rule-removed",
    { "opsdeck.rule.id": id, "opsdeck.rule.alert": current.alert },
    ruleChange(id, lists),
  );
  return new Response(null, { status: 204 });
}

const backtestSchema = z.strictObject({
  rule: ruleInputSchema,
  /** The saved rule this one changes: its backtest is shown beside. */
  id: z.string().optional(),
  days: z.number().positive().max(90).default(7),
  step_seconds: z.number().int().min(5).max(3600).default(15),
});

/** The watched series at about 500 points, for the chart (a threshold rule's left-hand side). */
async function watchedSeries(rule: RuleInput, start: number, end: number) {
  if (rule.condition.kind !== "threshold") return [];
  const step = Math.max(15, Math.ceil((end - start) / 1000 / 500));
  const r = await range(`topk(10, ${watchedExpr(rule.condition)})`, start, end, step);
  return r.ok ? r.data : [];
}

/** POST /api/alerts/rules/backtest: would have fired k times over the last days, beside the saved version. */
export async function backtestRule(req: Request) {
  if (!(await currentSession())) return Response.json({ error: "sign in first" }, { status: 401 });
  const body = await parseBody(req, backtestSchema);
  if (body instanceof Response) return body;
  if (body.days > config().portal.rules.backtest_max_days)
    return Response.json(
      { error: `days: at most ${config().portal.rules.backtest_max_days} (portal.rules.backtest_max_days)` },
      { status: 400 },
    );
  const checks = await checked(body.rule);
  if (checks instanceof Response) return checks;
  const end = Date.now();
  const start = end - body.days * 86_400_000;
  const run = (rule: RuleInput) =>
    backtest(
      conditionExpr(rule.condition),
      { start, end, stepSeconds: body.step_seconds, forMs: durationMs(rule.for) },
      range,
    );
  // Beside the saved version; a new override beside the shipped rule it replaces.
  const target = body.rule.overrides;
  const original = target && shipped().find((s) => sameTarget(s, target));
  const saved = body.id ? portalRules().find((r) => r.id === body.id) : original ? shippedAsInput(original) : undefined;
  // The three at once: Prometheus answers each on its own core.
  const began = performance.now();
  const [candidate, current, watched] = await Promise.all([
    run(body.rule).then((r) => ({ ...r, tookMs: Math.round(performance.now() - began) })),
    saved ? run(saved) : undefined,
    watchedSeries(body.rule, start, end),
  ]);
  if (!candidate.ok)
    return Response.json(
      { error: candidate.error },
      { status: candidate.status === 422 || candidate.status === 400 ? 400 : 502 },
    );
  return Response.json({
    candidate: candidate.data,
    took_ms: candidate.tookMs,
    current: current?.ok ? current.data : undefined,
    watched,
    threshold: body.rule.condition.kind === "threshold" ? body.rule.condition.threshold : undefined,
  });
}

const testFireSchema = z.strictObject({
  rule: ruleInputSchema,
  /** One real message to this channel of the receiver (operators). */
  send: z.string().min(1).max(200).optional(),
});

/** POST /api/alerts/rules/test-fire: the synthetic alert through Alertmanager's routing and the notifier's rendering. */
export async function testFireRule(req: Request) {
  const session = await currentSession();
  if (!session) return Response.json({ error: "sign in first" }, { status: 401 });
  const body = await parseBody(req, testFireSchema);
  if (body instanceof Response) return body;
  let user = session.user;
  if (body.send) {
    const who = await changer([body.rule.group]);
    if (who instanceof Response) return who;
    user = who;
  }
  const checks = await checked(body.rule);
  if (checks instanceof Response) return checks;
  const result = await testFire(body.rule, checks.holdingNow[0], body.send);
  if (result instanceof Response) return result;
  if (body.send)
    await audit(user, "rule-test-sent", {
      "opsdeck.rule.alert": body.rule.alert,
      "opsdeck.channel": body.send,
      "opsdeck.notification.id": result.sent,
    });
  return Response.json(result);
}

/** GET /api/alerts/rules/export?group=…: the group's rule file, as Prometheus loads it. */
export async function exportRules(req: Request) {
  if (!(await currentSession())) return Response.json({ error: "sign in first" }, { status: 401 });
  const group = new URL(req.url).searchParams.get("group") ?? "";
  const rules = portalRules().filter((r) => !r.overrides);
  if (!rules.some((r) => r.group === group)) return Response.json({ error: `no group "${group}"` }, { status: 404 });
  return new Response(groupFile(group, rules), {
    headers: {
      "content-type": "application/yaml; charset=utf-8",
      "content-disposition": `attachment; filename="${group}.yml"`,
    },
  });
}

/**
 * POST /api/alerts/rules/import (a Prometheus rule file, YAML): its alerting rules become the
 * portal's raw-PromQL rules; one already there (same group, name and severity) is replaced.
 */
export async function importRules(req: Request) {
  const text = await req.text();
  if (text.length > 1_000_000) return Response.json({ error: "a rule file of at most 1 MB" }, { status: 413 });
  let imported;
  try {
    imported = importedRules(parseYaml(text));
  } catch (err) {
    if (err instanceof z.ZodError) return invalidBody(err);
    return Response.json({ error: `not a Prometheus rule file: ${(err as Error).message}` }, { status: 400 });
  }
  const user = await changer([...new Set(imported.rules.map((r) => r.group))]);
  if (user instanceof Response) return user;
  let lists;
  try {
    lists = await changeRules((rules) => {
      // An import replaces the team's own rules of the same name, never an override.
      const mine = (r: Rule, i: RuleInput) => !r.overrides && sameName(r, i);
      const kept = rules.filter((r) => !imported.rules.some((i) => mine(r, i)));
      const replaced = (i: RuleInput) => rules.find((r) => mine(r, i))?.id;
      return [...kept, ...imported.rules.map((i) => stamp(i, replaced(i) ?? newId(), user))];
    });
  } catch (err) {
    return refused(err);
  }
  for (const rule of lists.after.filter((r) => imported.rules.some((i) => !r.overrides && sameName(r, i))))
    await audit(
      user,
      "rule-imported",
      { "opsdeck.rule.id": rule.id, "opsdeck.rule.alert": rule.alert },
      ruleChange(rule.id, lists),
    );
  return Response.json({ imported: imported.rules.length, skipped_recording_rules: imported.skipped });
}
