// One YAML file for every OpsDeck service (opsdeck.yml), validated with zod at start-up.
// Secrets come in through ${ENV_VAR} interpolation so the file itself can be committed.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { LEVELS } from "../log.ts";
import { databaseListSchema } from "./databases.ts";
import { elasticsearchSchema } from "./elasticsearch.ts";
import { exportersSchema } from "./exporters.ts";
import { agentsSchema, hostListSchema } from "./hosts.ts";
import { notifierSchema } from "./notifier.ts";
import { portalSchema } from "./portal.ts";
import { probeListSchema } from "./probes.ts";
import { pick, READERS, type Reader } from "./readers.ts";
import { stackSchema } from "./stack.ts";

export const configSchema = z
  .object({
    log: z.object({ level: z.enum(LEVELS).default("info") }).prefault({}),
    exporters: exportersSchema.prefault({}),
    notifier: notifierSchema.prefault({}),
    portal: portalSchema.prefault({}),
    elasticsearch: elasticsearchSchema.prefault({}),
    stack: stackSchema.prefault({}),
    hosts: hostListSchema.default([]),
    agents: agentsSchema.prefault({}),
    probes: probeListSchema.default([]),
    databases: databaseListSchema.default([]),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces ${VAR} and ${VAR:-default} in every string of the tree; names the key of a missing one. */
export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: string[] = [],
  problems: string[] = [],
): unknown {
  if (typeof value === "string") {
    return value.replace(ENV_REF, (_, name: string, fallback?: string) => {
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (fallback !== undefined) return fallback;
      problems.push(`${path.join(".") || "(root)"}: environment variable ${name} is not set`);
      return "";
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, String(i)], problems));
  if (value && typeof value === "object") {
    // A key with no value (`links:` with everything under it commented out) is left out.
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, interpolate(v, env, [...path, k], problems)]),
    );
  }
  return value;
}

function valueAt(tree: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = tree;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key as string];
  }
  return cur;
}

const ARTICLE: Record<string, string> = { array: "an array", object: "an object", integer: "an integer" };

/** zod issues as `key.path: what is wrong` lines a person can act on. */
export function describeIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.map(String).join(".") || "(root)";
    if (issue.code === "invalid_type") {
      const got = valueAt(input, issue.path);
      const expected = ARTICLE[issue.expected] ?? `a ${issue.expected}`;
      return got === undefined
        ? `${where}: is required (${expected})`
        : `${where}: expected ${expected}, got ${JSON.stringify(got)}`;
    }
    if (issue.code === "unrecognized_keys") {
      return `${where}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    }
    return `${where}: ${issue.message}`;
  });
}

export interface LoadOptions {
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The process reading it: only its parts are resolved and validated (see readers.ts). */
  reader?: Reader;
}

/** Where the config lives: --config PATH, then OPSDECK_CONFIG, then ./opsdeck.yml if present. */
export function configPath(opts: LoadOptions = {}): string | undefined {
  const argv = opts.argv ?? process.argv.slice(2);
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const i = argv.indexOf("--config");
  if (i >= 0 && argv[i + 1]) return resolve(cwd, argv[i + 1]);
  const eq = argv.find((a) => a.startsWith("--config="));
  if (eq) return resolve(cwd, eq.slice("--config=".length));
  if (env.OPSDECK_CONFIG) return resolve(cwd, env.OPSDECK_CONFIG);
  const local = resolve(cwd, "opsdeck.yml");
  return existsSync(local) ? local : undefined;
}

/** The file's YAML, before interpolation. */
export function readYaml(text: string, file: string): unknown {
  try {
    return parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(file, [`not valid YAML: ${(err as Error).message.split("\n")[0]}`]);
  }
}

/**
 * The configuration; for a `reader` (one OpsDeck process), only the parts it reads are resolved
 * and validated — the rest take their defaults, and their ${VAR}s need not be set.
 */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env, reader?: Reader): Config {
  const whole = readYaml(text, file);
  const raw = reader ? pick(whole, READERS[reader]) : whole;
  const problems: string[] = [];
  const tree = interpolate(raw, env, [], problems);
  if (problems.length) throw new ConfigError(file, problems);
  const result = configSchema.safeParse(tree);
  if (!result.success) throw new ConfigError(file, describeIssues(result.error, tree));
  return result.data;
}

export function loadConfig(opts: LoadOptions = {}): { config: Config; file: string } {
  const env = opts.env ?? process.env;
  const file = configPath(opts);
  if (!file) return { config: parseConfig("{}", "(defaults)", env, opts.reader), file: "(defaults)" };
  let text: string;
  try {
    text = readFileSync(/*turbopackIgnore: true*/ file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`]);
  }
  return { config: parseConfig(text, file, env, opts.reader), file };
}
