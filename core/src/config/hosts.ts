// The `hosts:` and `agents:` sections of opsdeck.yml: the app servers OpsDeck watches besides
// its own, and how the central Prometheus reaches their agents.
import { z } from "zod";
import { bool, int, num, secret, unsetIfEmpty, uniquelyNamed, userLabels } from "./zod.ts";

/** A host's name: its `host` label on every series and `host.name` in every log line. */
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Labels Prometheus or OpsDeck set themselves; a host's own labels may not use them. */
const RESERVED_LABELS = new Set(["host", "job", "instance"]);

const exporterPort = z.union([z.literal(false), int().pipe(z.number().min(1).max(65535))]);

export const hostSchema = z
  .object({
    name: z.string().regex(HOST_NAME, "letters, digits, '.', '_' and '-', at most 63, starting with a letter or digit"),
    /** Where the central Prometheus reaches the host's exporters: a DNS name or an IP address. */
    address: z
      .string()
      .regex(
        /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/,
        "a host name or IP address (IPv6 in brackets), without a scheme or port",
      ),
    /** Extra labels on every series of the host, e.g. env and role. */
    labels: userLabels(RESERVED_LABELS).default({}),
    /** The agents' ports there; false: not installed on that host. */
    node_exporter: exporterPort.default(9100),
    pm2_exporter: exporterPort.default(9209),
    /** The agent's blackbox_exporter, which makes the host a vantage point for probes; false: none. */
    blackbox_exporter: exporterPort.default(false),
    /** false keeps the host in the list but stops scraping it (and alerting on it). */
    enabled: bool().default(true),
    /**
     * scrape: the central Prometheus scrapes the host's exporters. push: the host cannot be
     * reached (NAT, another network); its own Prometheus in agent mode scrapes them and writes
     * to the central one through the front door, with the host's own token.
     */
    mode: z.enum(["scrape", "push"]).default("scrape"),
    /**
     * The SHA-256 (hex) of the host's token (`npm run agent-credentials -- --push NAME`): a push
     * host writes with it; a vantage point (any mode) fetches its probes' modules with it.
     */
    push_token_sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "64 hex digits: the SHA-256 of the host's token")
      .optional(),
  })
  .strict()
  .refine((h) => h.mode !== "push" || h.push_token_sha256 !== undefined, {
    path: ["push_token_sha256"],
    message: "required for a host in push mode",
  });

export type Host = z.infer<typeof hostSchema>;

/** A list of hosts whose names are unique. */
export const hostListSchema = uniquelyNamed(hostSchema);

export const agentsSchema = z
  .object({
    /** Hosts added from the portal, beside opsdeck.yml (a team can keep it in git). */
    hosts_file: z.string().min(1).default("hosts.yml"),
    /** Where Prometheus' file_sd target files are written; Prometheus watches them. */
    targets_dir: z.string().min(1).default("data/targets"),
    /**
     * Prometheus' user and password on every agent's exporters (basic auth). Agents keep only
     * the password's bcrypt hash: `npm run agent-credentials` prints it.
     */
    username: z.string().min(1).default("prometheus"),
    password: secret,
    scheme: z.enum(["http", "https"]).default("http"),
    /** The CA that signed the agents' certificates, with scheme https. Unset: the system's. */
    ca_file: unsetIfEmpty(z.string()),
    /** How often the portal re-reads the host lists and rewrites the target files. */
    sync_seconds: num().pipe(z.number().min(0.2).max(300)).default(2),
  })
  .strict();

export type AgentsConfig = z.infer<typeof agentsSchema>;
