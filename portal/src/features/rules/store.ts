// The portal's alert rules: every rule (enabled or not) in rules.yml in the portal's data
// directory, and the rule files Prometheus loads — one per group, enabled rules only — in the
// rules directory. A change is checked by promtool, then written (each file atomically), one
// change at a time; Prometheus notices the files within a second (--config.auto-reload).
// Overrides of the shipped rules are rules too (rule.overrides): they are written into the
// shipped files' copies in <rules dir>/shipped/ instead of a group file.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { replaceFile } from "@opsdeck/core/atomic-file";
import {
  OVERRIDES_FILE,
  renderShippedFile,
  renderShippedRules,
  sameTarget,
  type Override,
} from "@opsdeck/core/shipped-rules";
import { config, configRelative } from "@/lib/config.ts";
import { checkRuleFile, type RuleFileProblem } from "./promtool.ts";
import { groupFile, prometheusRule, ruleSchema, type Rule } from "./rule.ts";

const storeSchema = z.object({ rules: z.array(ruleSchema).default([]) }).strict();

export const storePath = () => configRelative(join(config().portal.data_dir, "rules.yml"));
export const rulesDir = () => configRelative(config().portal.rules.dir);
export const groupPath = (group: string) => join(rulesDir(), `${group}.yml`);

/**
 * provisioning/prometheus/rules: npm start names it (OPSDECK_SHIPPED_RULES_DIR), the image has
 * it under OPSDECK_HOME. Unknown: the shipped rules cannot be overridden here.
 */
export function shippedSourceDir(): string | undefined {
  const dir =
    process.env.OPSDECK_SHIPPED_RULES_DIR ||
    (process.env.OPSDECK_HOME && join(process.env.OPSDECK_HOME, "provisioning/prometheus/rules"));
  return dir && existsSync(/*turbopackIgnore: true*/ dir) ? dir : undefined;
}

export class RuleChangeError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: (RuleFileProblem & { rule?: string })[] = [],
  ) {
    super(message);
  }
}

export function portalRules(): Rule[] {
  const file = storePath();
  if (!existsSync(file)) return [];
  const parsed = storeSchema.safeParse(parse(readFileSync(file, "utf8")) ?? {});
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data.rules;
}

export const groupsOf = (rules: Rule[]) => [...new Set(rules.map((r) => r.group))].sort();
/** The rules with a group file of their own (not overrides of shipped ones). */
const ownRules = (rules: Rule[]) => rules.filter((r) => !r.overrides);

/** What the shipped files' copies take from the overrides: the rule, or null while it is off. */
const overridesOf = (rules: Rule[]): Override[] =>
  rules.flatMap((r) => (r.overrides ? [{ target: r.overrides, rule: r.enabled ? prometheusRule(r) : null }] : []));

const refusalOf = (problems: RuleFileProblem[], where: string) => {
  const first = problems[0];
  const at = first.line ? `${first.line}:${first.column}: ` : "";
  return new RuleChangeError(400, `${where}${first.field}: ${at}${first.detail}`, problems);
};

/** Checks the shipped files an overrides change rewrites, as they would be written. */
async function checkShipped(before: Override[], after: Override[]) {
  const source = shippedSourceDir();
  if (!source)
    throw new RuleChangeError(
      409,
      "the shipped rules are not found here (OPSDECK_SHIPPED_RULES_DIR): they cannot be overridden",
    );
  const changed = [...before, ...after].filter(
    (o) => JSON.stringify(after.find((a) => sameTarget(a.target, o.target))) !== JSON.stringify(o),
  );
  const files = [...new Set(changed.map((o) => o.target.file))];
  for (const file of files) {
    const path = join(source, file);
    if (!existsSync(path)) throw new RuleChangeError(400, `overrides.file: no shipped rule file ${file}`);
    const problems = await checkRuleFile(renderShippedFile(file, readFileSync(path, "utf8"), after));
    if (problems.length) throw refusalOf(problems, `${file}: `);
  }
  return source;
}

/** Writes the overrides file and the shipped files' copies with them. */
function writeShipped(source: string, overrides: Override[]) {
  replaceFile(join(rulesDir(), OVERRIDES_FILE), JSON.stringify(overrides, null, 2) + "\n");
  renderShippedRules(source, rulesDir());
}

/** Checks the group files a change would write; throws the 400 that names the rule and place. */
async function checkGroups(groups: string[], rules: Rule[]) {
  for (const group of groups) {
    const problems = await checkRuleFile(groupFile(group, rules));
    if (!problems.length) continue;
    const enabled = rules.filter((r) => r.group === group && r.enabled && !r.overrides);
    throw refusalOf(
      problems.map((p) => ({ ...p, rule: p.ruleIndex === undefined ? undefined : enabled[p.ruleIndex]?.id })),
      "",
    );
  }
}

const HEADER =
  "# The alert rules made on the Rules page, enabled or not. The portal writes the rule files\n" +
  "# Prometheus loads (portal.rules.dir) from this file: change rules on the page or by API.\n";

let queue: Promise<unknown> = Promise.resolve();

/**
 * Applies a change to the rules, one at a time: promtool checks every group it touches, then
 * rules.yml and those groups' files are written. Resolves with the rules before and after once
 * all is on disk.
 */
export function changeRules(change: (rules: Rule[]) => Rule[]): Promise<{ before: Rule[]; after: Rule[] }> {
  const next = queue.then(async () => {
    const before = portalRules();
    const after = z.array(ruleSchema).parse(change(before));
    const hasGroup = (rules: Rule[], group: string) => ownRules(rules).some((r) => r.group === group);
    const touched = [...new Set(ownRules([...before, ...after]).map((r) => r.group))].filter(
      (g) => groupFile(g, before) !== groupFile(g, after) || !existsSync(groupPath(g)),
    );
    await checkGroups(
      touched.filter((g) => hasGroup(after, g)),
      after,
    );
    const overrides = overridesOf(after);
    const shippedChanged = JSON.stringify(overridesOf(before)) !== JSON.stringify(overrides);
    const source = shippedChanged ? await checkShipped(overridesOf(before), overrides) : undefined;
    mkdirSync(dirname(storePath()), { recursive: true });
    mkdirSync(rulesDir(), { recursive: true });
    replaceFile(storePath(), HEADER + stringify({ rules: after }), 0o600);
    for (const group of touched) {
      if (hasGroup(after, group)) replaceFile(groupPath(group), groupFile(group, after));
      else rmSync(groupPath(group), { force: true });
    }
    if (source) writeShipped(source, overrides);
    return { before, after };
  });
  queue = next.catch(() => undefined);
  return next;
}

/**
 * Rewrites every group file and the shipped files' copies from rules.yml, and removes files of
 * groups it no longer has (at start, and after a restore).
 */
export function syncRuleFiles(): string[] {
  const rules = portalRules();
  mkdirSync(rulesDir(), { recursive: true });
  const source = shippedSourceDir();
  if (source) writeShipped(source, overridesOf(rules));
  const groups = groupsOf(ownRules(rules));
  for (const group of groups) {
    const text = groupFile(group, rules);
    const path = groupPath(group);
    if (!existsSync(path) || readFileSync(path, "utf8") !== text) replaceFile(path, text);
  }
  for (const file of readdirSync(rulesDir()))
    if (file.endsWith(".yml") && !groups.includes(file.slice(0, -4))) rmSync(join(rulesDir(), file), { force: true });
  return groups;
}
