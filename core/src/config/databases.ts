// The `databases:` section of opsdeck.yml: the team's PostgreSQL, MySQL / MariaDB and Redis
// servers, each watched by its type's exporter (one exporter per type, many databases: the
// multi-target pattern, as blackbox probes). The monitoring user's password comes from the
// environment and goes only into the file its exporter reads.
import { z } from "zod";
import { HOST_NAME } from "./hosts.ts";
import { HOST_PORT } from "./probes.ts";
import { uniquelyNamed, unsetIfEmpty } from "./zod.ts";

export const DATABASE_TYPES = ["postgres", "mysql", "redis"] as const;
export type DatabaseType = (typeof DATABASE_TYPES)[number];

/** A database's name: its `database` label on every series, and its exporter's auth module. */
export const DATABASE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const databaseSchema = z
  .object({
    name: z.string().regex(DATABASE_NAME, "lower-case letters, digits, - and _ (at most 63)"),
    type: z.enum(DATABASE_TYPES),
    /** Where the exporter connects: host:port. */
    address: z.string().regex(HOST_PORT, "host:port"),
    /** The monitoring user (PostgreSQL: in pg_monitor; MySQL: PROCESS, REPLICATION CLIENT, SELECT). Redis: an ACL user, or none. */
    user: z.string().min(1).max(128).optional(),
    /** Its password: ${VAR} from the environment. */
    password: unsetIfEmpty(z.string().min(1).max(512)),
    /** PostgreSQL: the database to connect to (its statistics cover every database). */
    dbname: z.string().min(1).max(63).default("postgres"),
    /** PostgreSQL: libpq's sslmode (disable, require, verify-full…). */
    sslmode: z.enum(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]).default("prefer"),
    /** The OpsDeck host it runs on (its `host` label), if one of hosts:. */
    host: z.string().regex(HOST_NAME).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.type !== "redis" && !d.user)
      ctx.addIssue({ code: "custom", path: ["user"], message: `required for ${d.type}: the monitoring user` });
    if (d.type !== "postgres" && (d.dbname !== "postgres" || d.sslmode !== "prefer"))
      ctx.addIssue({ code: "custom", path: ["dbname"], message: "dbname and sslmode are PostgreSQL's" });
  });

export const databaseListSchema = uniquelyNamed(databaseSchema);

export type Database = z.infer<typeof databaseSchema>;
