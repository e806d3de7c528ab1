// The `exporters:` section of opsdeck.yml: PM2, deploy and business exporters.
import { z } from "zod";
import { DEFAULT_BUSINESS_METRICS, DEMO_SHOP_RUM_APP } from "./demo-shop.ts";
import { bool, int, num, port, secret, unsetIfEmpty } from "./zod.ts";

const host = z.string().min(1).default("127.0.0.1");

export const pm2ExporterSchema = z
  .object({
    enabled: bool().default(true),
    host,
    port: port(9209),
    /** PM2_HOME of the daemon to watch; defaults to $PM2_HOME or ~/.pm2. */
    pm2_home: z.string().optional(),
    poll_interval_seconds: num().pipe(z.number().min(0.2).max(300)).default(5),
    call_timeout_seconds: num().pipe(z.number().min(0.1).max(60)).default(5),
    /** Export the apps' own @pm2/io metrics (heap, event loop, HTTP latency, custom). */
    app_metrics: bool().default(true),
    /** Filebeat's stats endpoint (stack.filebeat.http_port), exported as filebeat_*; "" turns it off. */
    filebeat_url: z.union([z.literal(""), z.url()]).default("http://127.0.0.1:5066"),
    /**
     * On an agent host: basic auth users (bcrypt) and optional TLS, in node-exporter's
     * --web.config.file format (one file serves both). Unset: no auth (the central host, on loopback).
     */
    web_config_file: unsetIfEmpty(z.string()),
    /**
     * Recovery actions (restart, reload, scale, reset restarts, flush logs) run here on requests
     * the central OpsDeck signs with this host's key. Unset key: no action endpoint.
     */
    actions: z
      .object({
        key: secret,
        /** The name requests must be signed for (the host's name in alerts); default: this machine's. */
        host: unsetIfEmpty(z.string()),
        timeout_seconds: num().pipe(z.number().min(1).max(600)).default(60),
        /**
         * A host the central server cannot reach (push mode) fetches its signed requests from the
         * central portal instead, through its front door, as the host with its own token, and
         * posts each answer back. Unset: requests come to this exporter's own endpoint.
         */
        pull: z
          .object({
            /** The central front door, e.g. https://ops.example.com. */
            url: z.url(),
            /** The host's token (agent-credentials --push printed it), in a file. */
            token_file: z.string().min(1),
          })
          .strict()
          .optional(),
        /**
         * The team's runbook scripts this host may run as a recovery action, by name: a fixed
         * command (no shell; {app} in an argument is replaced by the alert's app), nothing else
         * from a request. A script runs within timeout_seconds; its output is kept with the result.
         */
        runbooks: z
          .array(
            z
              .object({
                name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lower-case letters, digits and -"),
                command: z.array(z.string().min(1)).min(1),
                working_dir: z.string().optional(),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const deployExporterSchema = z
  .object({
    enabled: bool().default(true),
    host,
    port: port(9470),
    data_dir: z.string().default("data/deploy"),
    token: secret,
    /**
     * The axi-deploy webhook's own token: such pipelines can only configure a URL, so it travels
     * in ?token= (and lands in proxy logs) — it opens that endpoint and nothing else. Unset: 503.
     */
    axi_token: secret,
    github: z
      .object({
        secret,
        /** GitHub workflow runs carry no environment; this one is used for them. */
        environment: z.string().min(1).default("production"),
        /** Only runs of these workflows count as deploys; empty means every workflow. */
        workflows: z.array(z.string()).default([]),
      })
      .strict()
      .prefault({}),
    timeout_minutes: num().pipe(z.number().positive()).default(60),
    /**
     * Roll back: the team's own deploy command per project and environment, which the exporter
     * runs (no shell; {project}, {environment}, {version}, {deploy_id} in an argument are
     * replaced) to deploy the previous successful version again — recorded and tracked as a
     * deploy. A CI hook is a command too (curl to the CI's API).
     */
    rollbacks: z
      .array(
        z
          .object({
            project: z.string().min(1),
            environment: z.string().min(1),
            command: z.array(z.string().min(1)).min(1),
            working_dir: z.string().optional(),
            timeout_minutes: num()
              .pipe(
                z
                  .number()
                  .positive()
                  .max(24 * 60),
              )
              .default(30),
          })
          .strict(),
      )
      .default([]),
    max_body_bytes: int().pipe(z.number().min(1024)).default(1_048_576),
    log_lines_per_deploy: int().pipe(z.number().min(0)).default(500),
    /** Finished deploys kept in the history (oldest dropped first); counters are not affected. */
    history_limit: int().pipe(z.number().min(10)).default(10_000),
    grafana: z
      .object({
        url: unsetIfEmpty(z.url()),
        token: unsetIfEmpty(z.string()),
        tags: z.array(z.string()).default(["deploy"]),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const labelDefSchema = z
  .object({
    name: z
      .string()
      .regex(LABEL, "must be a Prometheus label name")
      .refine((n) => !n.startsWith("__"), {
        message: "names starting with __ are reserved",
      }),
    /** The allowed values; anything else is rejected. */
    values: z.array(z.string().min(1)).min(1).optional(),
    /** Or: accept any value, but at most this many distinct ones; later ones are counted as "other". */
    max_values: int().pipe(z.number().min(1).max(10_000)).optional(),
  })
  .strict()
  .refine((l) => (l.values === undefined) !== (l.max_values === undefined), {
    message: "give exactly one of values or max_values",
  });

export const metricDefSchema = z
  .object({
    name: z.string().regex(NAME, "must be a Prometheus metric name"),
    type: z.enum(["counter", "gauge", "histogram"]),
    help: z.string().min(1),
    unit: z
      .string()
      .regex(/^[a-z]+$/)
      .optional(),
    labels: z.array(labelDefSchema).default([]),
    buckets: z.array(z.number()).min(1).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.type === "counter" && !m.name.endsWith("_total"))
      ctx.addIssue({ code: "custom", path: ["name"], message: "a counter's name must end in _total" });
    if (m.type !== "counter" && m.name.endsWith("_total"))
      ctx.addIssue({ code: "custom", path: ["name"], message: "only counters end in _total" });
    const base = m.name.replace(/_total$/, "");
    if (m.unit && !base.endsWith(`_${m.unit}`))
      ctx.addIssue({ code: "custom", path: ["name"], message: `must end in _${m.unit} (its unit)` });
    if (m.buckets && m.type !== "histogram")
      ctx.addIssue({ code: "custom", path: ["buckets"], message: "only histograms have buckets" });
    if (m.buckets && m.buckets.some((b, i) => i > 0 && b <= m.buckets![i - 1]))
      ctx.addIssue({ code: "custom", path: ["buckets"], message: "must be strictly increasing" });
    const names = m.labels.map((l) => l.name);
    if (new Set(names).size !== names.length)
      ctx.addIssue({ code: "custom", path: ["labels"], message: "label names must be unique" });
    if (m.type === "histogram" && names.includes("le"))
      ctx.addIssue({ code: "custom", path: ["labels"], message: "a histogram cannot have an le label" });
  });

export const collectorSchema = z
  .object({
    name: z.string().regex(LABEL, "must be letters, digits and _"),
    /** node-cron expression (with seconds), e.g. every 30 s: "*\/30 * * * * *". */
    schedule: z.string().default("*/30 * * * * *"),
    url: z.url(),
    headers: z.record(z.string(), z.string()).default({}),
    timeout_seconds: num().pipe(z.number().positive().max(120)).default(5),
    /** The most of an answer that is read; a larger one fails the run. */
    max_body_bytes: int()
      .pipe(
        z
          .number()
          .min(1024)
          .max(64 * 1024 * 1024),
      )
      .default(1_048_576),
    values: z
      .array(
        z
          .object({
            metric: z.string(),
            /** Dotted path into the JSON answer; array items by index, e.g. data.queues.0.depth. */
            path: z.string().min(1),
            labels: z.record(z.string(), z.string()).default({}),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** An Express-style route template: /products/:id (segments of letters, digits, - _ . ~, or :name). */
const ROUTE_TEMPLATE = /^\/(?:(?::[A-Za-z_]\w*|[\w.~-]+)(?:\/(?::[A-Za-z_]\w*|[\w.~-]+))*)?\/?$/;

/** The portal's pages as route templates (each page.tsx under portal/src/app; a portal test keeps them in step). */
export const PORTAL_ROUTES = [
  "/",
  "/alerts",
  "/audit",
  "/business",
  "/dashboards",
  "/deploys",
  "/deploys/:id",
  "/hosts",
  "/logs",
  "/probes",
  "/processes",
  "/rules",
  "/services",
  "/signin",
  "/status",
  "/system",
  "/timeline",
];

/**
 * Page-load timings from real users' browsers (web-vitals), taken by the business exporter at
 * /api/v1/rum (through the front door at /ingest/rum): which sites send them, and the route
 * templates their pages are counted under (a page matching none counts as "other").
 */
export const rumSchema = z
  .object({
    apps: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "lower-case letters, digits, - and _"),
            routes: z
              .array(z.string().regex(ROUTE_TEMPLATE, "a route template, e.g. /products/:id"))
              .max(100)
              .default(["/"]),
          })
          .strict(),
      )
      .max(20)
      // The portal measures itself, and the demo shop's pages; a list of your own replaces this
      // one (keep `portal` in it).
      .default(() => [{ name: "portal", routes: [...PORTAL_ROUTES] }, structuredClone(DEMO_SHOP_RUM_APP)]),
    /** The share of page loads whose browser reports (0–1), decided in the browser. */
    sample_rate: num().pipe(z.number().min(0).max(1)).default(1),
  })
  .strict()
  .refine((r) => new Set(r.apps.map((a) => a.name)).size === r.apps.length, {
    path: ["apps"],
    message: "app names must be unique",
  });

export const businessExporterSchema = z
  .object({
    enabled: bool().default(true),
    host,
    port: port(9471),
    data_dir: z.string().default("data/business"),
    token: secret,
    max_body_bytes: int().pipe(z.number().min(1024)).default(4_194_304),
    max_batch: int().pipe(z.number().min(1)).default(10_000),
    /** How many recent event_ids are remembered to drop duplicates. */
    dedup_ids: int().pipe(z.number().min(1000)).default(200_000),
    /** An event's timestamp may be at most this far ahead of this server's clock. */
    max_future_skew_seconds: num().pipe(z.number().min(0).max(86_400)).default(300),
    metrics: z.array(metricDefSchema).default(() => structuredClone(DEFAULT_BUSINESS_METRICS) as never),
    collectors: z.array(collectorSchema).default([]),
    rum: rumSchema.prefault({}),
  })
  .strict()
  .superRefine((b, ctx) => {
    const byName = new Map(b.metrics.map((m) => [m.name, m]));
    if (byName.size !== b.metrics.length)
      ctx.addIssue({ code: "custom", path: ["metrics"], message: "metric names must be unique" });
    b.collectors.forEach((c, ci) =>
      c.values.forEach((v, vi) => {
        const m = byName.get(v.metric);
        if (!m || m.type !== "gauge")
          ctx.addIssue({
            code: "custom",
            path: ["collectors", ci, "values", vi, "metric"],
            message: `"${v.metric}" is not a gauge defined under exporters.business.metrics`,
          });
      }),
    );
  });

export const exportersSchema = z
  .object({
    pm2: pm2ExporterSchema.prefault({}),
    deploy: deployExporterSchema.prefault({}),
    business: businessExporterSchema.prefault({}),
  })
  .strict();

export type Pm2ExporterConfig = z.infer<typeof pm2ExporterSchema>;
export type DeployExporterConfig = z.infer<typeof deployExporterSchema>;
export type BusinessExporterConfig = z.infer<typeof businessExporterSchema>;
export type MetricDef = z.infer<typeof metricDefSchema>;
export type LabelDef = z.infer<typeof labelDefSchema>;
export type CollectorDef = z.infer<typeof collectorSchema>;
export type RumConfig = z.infer<typeof rumSchema>;
