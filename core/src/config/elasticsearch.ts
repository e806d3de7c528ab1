// The `elasticsearch:` section of opsdeck.yml: where logs are stored and how long they are kept.
import { z } from "zod";
import { int, unsetIfEmpty } from "./zod.ts";

const days = (d: number) => int().pipe(z.number().min(1).max(3650)).default(d);

export const elasticsearchSchema = z
  .object({
    /** Unset: the native stack's own Elasticsearch on 127.0.0.1 (stack.elasticsearch.port). */
    url: unsetIfEmpty(z.url()),
    /**
     * A cluster's other nodes (docs/scaling.md): OpsDeck's client spreads its requests over url
     * and these, and passes over a node that stops answering until it answers again.
     */
    nodes: z.array(z.url()).default([]),
    /** Index names start with this: <prefix>-logs-YYYY.MM.DD, <prefix>-events-YYYY.MM.DD, <prefix>-import-<id>. */
    index_prefix: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,40}$/, "lowercase letters, digits, _ and - only")
      .default("opsdeck"),
    /** Days kept: application, nginx and OpsDeck logs; deploy, alert and business events; imports. */
    retention: z
      .object({ logs_days: days(30), events_days: days(365), imports_days: days(90) })
      .strict()
      .prefault({}),
    timeout_seconds: int().pipe(z.number().min(1).max(300)).default(10),
    /**
     * Credentials, where Elasticsearch's security is on (the compose stack): an API key, or a
     * user and password — from the environment (${VAR}), never written here.
     */
    api_key: unsetIfEmpty(z.string().min(8)),
    username: unsetIfEmpty(z.string().min(1)),
    password: unsetIfEmpty(z.string().min(1)),
    /** Log imports (portal and CLI): what one may take, so a file cannot take the server down. */
    imports: z
      .object({
        /** The largest upload the portal accepts. */
        max_upload_mib: int().pipe(z.number().min(1)).default(2048),
        /** The most text one import may unpack (gzip, zip, tar), and how much it may grow per byte read. */
        max_unpacked_mib: int().pipe(z.number().min(1)).default(20_480),
        max_unpack_ratio: int().pipe(z.number().min(2)).default(200),
        /** A longer line is cut here (the rest of it dropped) without reading it whole into memory. */
        max_line_kib: int().pipe(z.number().min(1).max(65_536)).default(256),
        /** Imports the portal runs at once; more are refused until one ends. */
        concurrent: int().pipe(z.number().min(1).max(16)).default(2),
        /** Free disk an import leaves: on the portal's upload disk and on Elasticsearch's data disk. */
        min_free_disk_mib: int().pipe(z.number().min(0)).default(1024),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((e) => (e.username === undefined) === (e.password === undefined), {
    message: "give both username and password, or neither",
    path: ["password"],
  });

export type ElasticsearchConfig = z.infer<typeof elasticsearchSchema>;

/** The Elasticsearch URL: configured, else the native stack's. */
export const elasticsearchUrl = (c: {
  elasticsearch: ElasticsearchConfig;
  stack: { elasticsearch: { port: number } };
}) => c.elasticsearch.url ?? `http://127.0.0.1:${c.stack.elasticsearch.port}`;
