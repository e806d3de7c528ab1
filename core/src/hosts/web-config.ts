// The exporters' web configuration on an agent host, in the format node-exporter reads with
// --web.config.file (Prometheus' exporter-toolkit), so one file protects both node-exporter and
// the PM2 exporter: basic auth users with bcrypt hashes, TLS optional.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import bcrypt from "bcryptjs";
import type { RequestHandler } from "express";
import { parse } from "yaml";
import { z } from "zod";

const webConfigSchema = z
  .object({
    tls_server_config: z
      .object({ cert_file: z.string().min(1), key_file: z.string().min(1) })
      .strict()
      .optional(),
    basic_auth_users: z
      .record(
        z.string().min(1),
        z
          .string()
          .regex(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/, "a bcrypt hash (npm run agent-credentials prints one)"),
      )
      .refine((users) => Object.keys(users).length > 0, "at least one user")
      .optional(),
  })
  .strict();

export interface WebConfig {
  users?: Record<string, string>;
  tls?: { cert: Buffer; key: Buffer };
}

/** Reads a web config file; paths in it are relative to the file, as the exporter toolkit reads them. */
export function loadWebConfig(file: string): WebConfig {
  const parsed = webConfigSchema.safeParse(parse(readFileSync(file, "utf8")) ?? {});
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const tls = parsed.data.tls_server_config;
  const at = (p: string) => resolve(dirname(file), p);
  return {
    users: parsed.data.basic_auth_users,
    tls: tls && { cert: readFileSync(at(tls.cert_file)), key: readFileSync(at(tls.key_file)) },
  };
}

/** A bcrypt hash of the password, as basic_auth_users holds it (cost 10, as htpasswd -B). */
export const hashAgentPassword = (password: string) => bcrypt.hashSync(password, 10);

/**
 * Basic auth against the users of a web config file, re-read when it changes (checked at most
 * once a second), as node-exporter re-reads its own: replacing the hash on a host revokes the
 * old password there at once. bcrypt is slow on purpose (tens of ms) and Prometheus sends the
 * same credentials on every scrape, so a verified header is remembered (by its SHA-256) for a
 * minute, or until the file changes.
 */
export function requireBasicAuth(file: string, onRefused?: (why: string) => void): RequestHandler {
  let users = loadWebConfig(file).users ?? {};
  let modified = statSync(file).mtimeMs;
  let checkedAt = Date.now();
  const verified = new Map<string, number>();
  const current = (now: number) => {
    if (now - checkedAt < 1000) return users;
    checkedAt = now;
    try {
      const m = statSync(file).mtimeMs;
      if (m !== modified) {
        users = loadWebConfig(file).users ?? {};
        modified = m;
        verified.clear();
      }
    } catch (err) {
      // A file being replaced or broken: keep the users we have (never fall open), say why.
      onRefused?.(`web config not re-read: ${(err as Error).message}`);
    }
    return users;
  };
  return (req, res, next) => {
    const now = Date.now();
    const known = current(now);
    const header = req.headers.authorization ?? "";
    const key = createHash("sha256").update(header).digest("hex");
    if ((verified.get(key) ?? 0) > now) return next();
    const refuse = (why: string) => {
      onRefused?.(why);
      res.set("WWW-Authenticate", 'Basic realm="opsdeck agent"').status(401).type("text/plain").send(`${why}\n`);
    };
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!m) return refuse("missing credentials: this exporter requires basic auth");
    const decoded = Buffer.from(m[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const [user, password] = colon < 0 ? [decoded, ""] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    const hash = known[user];
    // An unknown user costs as much as a wrong password, so timing does not tell users apart.
    const ok = bcrypt.compareSync(password, hash ?? DUMMY_HASH) && hash !== undefined;
    if (!ok) return refuse(`invalid credentials for user "${user.slice(0, 64)}"`);
    if (verified.size > 1000) verified.clear();
    verified.set(key, now + 60_000);
    next();
  };
}

const DUMMY_HASH = bcrypt.hashSync("not a password", 10);
