// The `elasticsearch:` section of opsdeck.yml: where logs are stored and how long they are kept.
import { z } from "zod";
import { int, unsetIfEmpty } from "./zod.ts";

const days = (d: number) => int().pipe(z.number().min(1).max(3650)).default(d);

export const elasticsearchSchema = z
  .object({
    /** Unset: the native stack's own Elasticsearch on 127.0.0.1 (stack.elasticsearch.port). */
    url: unsetIfEmpty(z.url()),
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
  })
  .strict();

export type ElasticsearchConfig = z.infer<typeof elasticsearchSchema>;

/** The Elasticsearch URL: configured, else the native stack's. */
export const elasticsearchUrl = (c: {
  elasticsearch: ElasticsearchConfig;
  stack: { elasticsearch: { port: number } };
}) => c.elasticsearch.url ?? `http://127.0.0.1:${c.stack.elasticsearch.port}`;
