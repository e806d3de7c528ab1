// zod building blocks for opsdeck.yml. After ${ENV} interpolation every value may arrive as a
// string, so numbers and booleans accept their string spelling ("9470" → 9470; "abc" stays an error).
import { z } from "zod";

export const num = () =>
  z.preprocess((v) => (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v), z.number());
export const int = () =>
  z.preprocess((v) => (typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), z.number().int());
export const bool = () => z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());

/** `${VAR:-}` yields "": an empty value means "not set". */
export const unsetIfEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

/** A list of URLs: a YAML list, or one string with commas from `${VAR:-}` ("" is none). */
export const urlList = () =>
  z
    .preprocess(
      (v) =>
        typeof v === "string"
          ? v
              .split(",")
              .map((item) => item.trim())
              .filter(Boolean)
          : v,
      z.array(z.url()),
    )
    .default([]);

/** A TCP port to listen on; 0 (where allowed) lets the system pick one. */
export const port = (defaultPort: number, lowest = 0) =>
  int().pipe(z.number().min(lowest).max(65535)).default(defaultPort);

/** A token or secret from the environment; unset disables what it protects. */
export const secret = unsetIfEmpty(z.string().min(16, "must be at least 16 characters"));

/**
 * Labels a user adds to series (a host's, a probe's): Prometheus label names, none of those
 * OpsDeck sets itself (`reserved`) or Prometheus' own (`__…`); each refusal names its label.
 */
export const userLabels = (reserved: ReadonlySet<string>) =>
  z.record(z.string(), z.string().max(128)).superRefine((labels, ctx) => {
    for (const name of Object.keys(labels)) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name))
        ctx.addIssue({ code: "custom", path: [name], message: "a Prometheus label name" });
      else if (reserved.has(name) || name.startsWith("__"))
        ctx.addIssue({ code: "custom", path: [name], message: "reserved: set by OpsDeck" });
    }
  });

/** A list of named entries (hosts, probes) whose names are unique; a repeat is named where it is. */
export const uniquelyNamed = <T extends z.ZodType<{ name: string }>>(entry: T) =>
  z.array(entry).superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((e, i) => {
      if (seen.has(e.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `"${e.name}" is listed twice` });
      seen.add(e.name);
    });
  });

/** A Redis several instances share: redis://[:password@]host:port or redis-sentinel://[:password@]h1:p1,…/master. */
export const REDIS_URL = /redis:\/\/\S+|redis-sentinel:\/\/\S+\/[^/\s]+/;
