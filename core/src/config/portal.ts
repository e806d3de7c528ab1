// The `portal:` section of opsdeck.yml: who may sign in, and where the portal reads from.
import { z } from "zod";
import { elasticsearchUrl, type ElasticsearchConfig } from "./elasticsearch.ts";
import { bool, int, num, port, REDIS_URL, unsetIfEmpty, urlList } from "./zod.ts";

/** A DNS name (RFC 1123 labels), e.g. a compose service's. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

const url = unsetIfEmpty(z.url());
/** Where the browser finds Grafana or Kibana: a URL, or a path on the portal's own site (the front door's /grafana/). */
const browserUrl = unsetIfEmpty(
  z.union([z.url(), z.string().regex(/^\/[\w/.-]*$/, "a URL, or a path on this site such as /grafana/")]),
);

export const portalSchema = z
  .object({
    enabled: bool().default(true),
    host: z.string().min(1).default("127.0.0.1"),
    port: port(8090),
    /** Signs session cookies; at least 32 characters, from the environment. */
    session_secret: unsetIfEmpty(z.string().min(32, "must be at least 32 characters")),
    /**
     * Lets CI open a maintenance window before a deploy (POST /api/maintenance with
     * `Authorization: Bearer …`); unset: only signed-in operators can. At least 16 characters.
     */
    maintenance_token: unsetIfEmpty(z.string().min(16, "must be at least 16 characters")),
    session_hours: num()
      .pipe(
        z
          .number()
          .positive()
          .max(24 * 30),
      )
      .default(12),
    /** Users and roles: viewer reads, operator also silences and acknowledges, admin does all. */
    users: z
      .array(
        z
          .object({
            name: z.string().regex(/^[\w.@-]{1,64}$/, "letters, digits and . _ - @ only"),
            /** From `npm run hash-password`: scrypt$N$r$p$salt$hash. */
            password_hash: z
              .string()
              .regex(
                /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=_-]+\$[A-Za-z0-9+/=_-]+$/,
                "not a hash from npm run hash-password",
              ),
            role: z.enum(ROLES).default("viewer"),
            /**
             * The alert-rule groups an operator may change in the portal (Rules page); unset: every
             * group. Admins change every group; viewers none.
             */
            rule_groups: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)).optional(),
          })
          .strict(),
      )
      .default([]),
    sign_in: z
      .object({
        /** Failed sign-ins allowed per client address and per user name in the window; then a back-off. */
        max_failures: int().pipe(z.number().min(1)).default(5),
        window_minutes: num().pipe(z.number().positive()).default(15),
        /** The longest a user name waits after failures (from any address); an address waits up to the window. */
        user_backoff_max_seconds: num().pipe(z.number().min(1).max(3600)).default(60),
      })
      .strict()
      .prefault({}),
    /**
     * Proxies whose X-Forwarded-For names the client: addresses, CIDR ranges, or host names
     * looked up every 30 s (the compose stack's `nginx`, whose address Docker picks). By default
     * loopback, where the native front door runs. Empty: the client is the socket's peer.
     */
    trusted_proxies: z
      .array(
        z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6(), z.string().regex(HOST_NAME)], {
          error: "an IP address, CIDR range or host name",
        }),
      )
      .default(["127.0.0.1", "::1"]),
    /**
     * How long a request may take to arrive (headers and body): a slow client is answered 408.
     * A log upload is exempt while it keeps moving (a minute without a byte ends it).
     */
    request_timeout_seconds: num().pipe(z.number().min(1).max(3600)).default(300),
    /** Revoked sessions (sign-outs) are kept here, relative to this file; they survive a restart. */
    data_dir: z.string().default("data/portal"),
    /**
     * Several portals behind the front door share sign-outs, sign-in limits and the live stream
     * through this Redis (redis://[:password@]host:port or redis-sentinel://…/master), and one of
     * them runs the background work (acks, recurring maintenance, automatic recovery). Unset: one portal.
     */
    shared_redis: unsetIfEmpty(
      z.string().regex(new RegExp(`^(${REDIS_URL.source})$`), "is redis://… or redis-sentinel://…/master"),
    ),
    /** This portal's name among several (logs, the lease); default: the host name and port. */
    instance: unsetIfEmpty(z.string().regex(/^[a-zA-Z0-9_.-]+$/, "letters, digits and . _ - only")),
    /**
     * The alert rules written on the Rules page: one Prometheus rule file per group, in a
     * directory Prometheus loads (it re-reads it every second). The compose stack sets
     * OPSDECK_RULES_DIR to the volume Prometheus mounts.
     */
    rules: z
      .object({
        dir: z.string().min(1).default("data/rules"),
        /** How far back a backtest may look. */
        backtest_max_days: int().pipe(z.number().min(1).max(90)).default(14),
      })
      .strict()
      .prefault({}),
    /**
     * Acknowledging an alert creates a silence this long; while the alert still fires the portal
     * renews it before it runs out, and ends it once the alert resolves (checked this often).
     */
    acks: z
      .object({
        minutes: int()
          .pipe(
            z
              .number()
              .min(2)
              .max(24 * 60),
          )
          .default(30),
        check_seconds: num().pipe(z.number().min(1).max(3600)).default(60),
      })
      .strict()
      .prefault({}),
    /**
     * Automatic recovery actions (a rule's opsdeck_recovery annotation): how often the portal
     * looks at the firing alerts, and the guardrails every rule's action runs within — at most
     * this many runs per app and host in any hour, none within the cool-down after the last.
     */
    recovery: z
      .object({
        check_seconds: num().pipe(z.number().min(1).max(300)).default(5),
        max_per_app_per_hour: int().pipe(z.number().min(1).max(60)).default(3),
        cooldown_minutes: num()
          .pipe(
            z
              .number()
              .min(0)
              .max(24 * 60),
          )
          .default(10),
      })
      .strict()
      .prefault({}),
    /** "What changed before this alert?": how far back it looks from the alert's start. */
    changes: z
      .object({
        window_hours: num()
          .pipe(
            z
              .number()
              .min(0.25)
              .max(7 * 24),
          )
          .default(6),
      })
      .strict()
      .prefault({}),
    /**
     * Grafana dashboards embedded on the Dashboards page (Grafana needs allow_embedding = true);
     * none listed: OpsDeck's provisioned dashboards (provisioning/grafana).
     */
    grafana: z
      .object({
        url: browserUrl,
        dashboards: z
          .array(z.object({ title: z.string().min(1), uid: z.string().regex(/^[\w-]+$/) }).strict())
          .default([]),
      })
      .strict()
      .prefault({}),
    /** Kibana views embedded on the Dashboards page: paths under its URL, e.g. app/dashboards#/view/<id>. */
    kibana: z
      .object({
        url: browserUrl,
        views: z
          .array(z.object({ title: z.string().min(1), path: z.string().regex(/^[\w/#.?=&:-]+$/) }).strict())
          .default([]),
      })
      .strict()
      .prefault({}),
    /** Unset URLs follow the rest of this file (stack and service ports on 127.0.0.1). */
    sources: z
      .object({
        prometheus_url: url,
        /** The other server of a Prometheus pair: asked when prometheus_url does not answer. */
        prometheus_replicas: urlList(),
        alertmanager_url: url,
        /** The other peers of an Alertmanager cluster: asked when alertmanager_url does not answer. */
        alertmanager_peers: urlList(),
        deploy_url: url,
        notifier_url: url,
        /** This host's PM2 exporter, which runs the recovery actions the portal signs. */
        pm2_url: url,
        timeout_seconds: num().pipe(z.number().positive()).default(5),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type PortalConfig = z.infer<typeof portalSchema>;

/** Where the portal reads from: configured URLs, else the ports the rest of opsdeck.yml gives. */
export function portalSources(c: {
  portal: PortalConfig;
  stack: { prometheus: { port: number }; alertmanager: { port: number }; elasticsearch: { port: number } };
  exporters: { deploy: { port: number }; pm2?: { port: number } };
  notifier: { port: number };
  elasticsearch: ElasticsearchConfig;
}) {
  const local = (port: number) => `http://127.0.0.1:${port}`;
  const s = c.portal.sources;
  const prometheus = s.prometheus_url ?? local(c.stack.prometheus.port);
  const alertmanager = s.alertmanager_url ?? local(c.stack.alertmanager.port);
  return {
    prometheus_url: prometheus,
    /** prometheus_url first, then the pair's other server (core/src/replicas.ts asks them in turn). */
    prometheus_urls: [prometheus, ...s.prometheus_replicas],
    alertmanager_url: alertmanager,
    alertmanager_urls: [alertmanager, ...s.alertmanager_peers],
    deploy_url: s.deploy_url ?? local(c.exporters.deploy.port),
    notifier_url: s.notifier_url ?? local(c.notifier.port),
    pm2_url: s.pm2_url ?? (c.exporters.pm2 ? local(c.exporters.pm2.port) : undefined),
    elasticsearch_url: elasticsearchUrl(c),
    timeout_seconds: s.timeout_seconds,
  };
}
