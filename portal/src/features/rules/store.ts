// The portal's alert rules: every rule (enabled or not) in rules.yml in the portal's data
// directory, and the rule files Prometheus loads — one per group, enabled rules only — in the
// rules directory. A change is checked by promtool, then written (each file atomically), one
// change at a time; Prometheus notices the files within a second (--config.auto-reload).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { replaceFile } from "@opsdeck/core/atomic-file";
import { config, configRelative } from "@/lib/config.ts";
import { checkRuleFile, type RuleFileProblem } from "./promtool.ts";
import { groupFile, ruleSchema, type Rule } from "./rule.ts";

const storeSchema = z.object({ rules: z.array(ruleSchema).default([]) }).strict();

export const storePath = () => configRelative(join(config().portal.data_dir, "rules.yml"));
export const rulesDir = () => configRelative(config().portal.rules.dir);
export const groupPath = (group: string) => join(rulesDir(), `${group}.yml`);

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

/** Checks the group files a change would write; throws the 400 that names the rule and place. */
async function checkGroups(groups: string[], rules: Rule[]) {
  for (const group of groups) {
    const problems = await checkRuleFile(groupFile(group, rules));
    if (!problems.length) continue;
    const enabled = rules.filter((r) => r.group === group && r.enabled);
    const named = problems.map((p) => ({
      ...p,
      rule: p.ruleIndex === undefined ? undefined : enabled[p.ruleIndex]?.id,
    }));
    const first = named[0];
    const where = first.line ? `${first.line}:${first.column}: ` : "";
    throw new RuleChangeError(400, `${first.field}: ${where}${first.detail}`, named);
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
    const touched = [...new Set([...before, ...after].map((r) => r.group))].filter(
      (g) => groupFile(g, before) !== groupFile(g, after) || !existsSync(groupPath(g)),
    );
    await checkGroups(
      touched.filter((g) => after.some((r) => r.group === g)),
      after,
    );
    mkdirSync(dirname(storePath()), { recursive: true });
    mkdirSync(rulesDir(), { recursive: true });
    replaceFile(storePath(), HEADER + stringify({ rules: after }), 0o600);
    for (const group of touched) {
      if (after.some((r) => r.group === group)) replaceFile(groupPath(group), groupFile(group, after));
      else rmSync(groupPath(group), { force: true });
    }
    return { before, after };
  });
  queue = next.catch(() => undefined);
  return next;
}

/** Rewrites every group file from rules.yml and removes files of groups it no longer has (at start, and after a restore). */
export function syncRuleFiles(): string[] {
  const rules = portalRules();
  mkdirSync(rulesDir(), { recursive: true });
  const groups = groupsOf(rules);
  for (const group of groups) {
    const text = groupFile(group, rules);
    const path = groupPath(group);
    if (!existsSync(path) || readFileSync(path, "utf8") !== text) replaceFile(path, text);
  }
  for (const file of readdirSync(rulesDir()))
    if (file.endsWith(".yml") && !groups.includes(file.slice(0, -4))) rmSync(join(rulesDir(), file), { force: true });
  return groups;
}
