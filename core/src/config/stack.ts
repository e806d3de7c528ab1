// The `stack:` section of opsdeck.yml: how `npm start` runs everything natively (no Docker).
import { z } from "zod";
import { bool, int, port as listenPort } from "./zod.ts";

const port = (defaultPort: number) => listenPort(defaultPort, 1);

export const stackSchema = z
  .object({
    prometheus: z
      .object({ port: port(9090) })
      .strict()
      .prefault({}),
    node_exporter: z
      .object({ port: port(9100) })
      .strict()
      .prefault({}),
    alertmanager: z
      .object({ port: port(9093) })
      .strict()
      .prefault({}),
    /** blackbox_exporter: runs opsdeck.yml's probes (started even with none, so one added later needs no restart). */
    blackbox_exporter: z
      .object({ port: port(9115) })
      .strict()
      .prefault({}),
    /** The databases' exporters (one per type, started when databases: lists one of that type). */
    database_exporters: z
      .object({ postgres_port: port(9187), mysql_port: port(9104), redis_port: port(9121) })
      .strict()
      .prefault({}),
    /** Elasticsearch for logs; its heap is fixed (the JVM default, half the machine, is far too much). */
    elasticsearch: z
      .object({
        enabled: bool().default(true),
        port: port(9200),
        heap_mb: int().pipe(z.number().min(256).max(31_744)).default(1024),
      })
      .strict()
      .prefault({}),
    /** Debian's prometheus-elasticsearch-exporter: cluster health for the Elasticsearch alerts. */
    elasticsearch_exporter: z
      .object({ port: port(9114) })
      .strict()
      .prefault({}),
    /**
     * Filebeat ships PM2's, nginx's and OpsDeck's own logs to Elasticsearch (filebeat/filebeat.yml);
     * http_port is its stats endpoint, read by the PM2 exporter.
     */
    filebeat: z
      .object({
        enabled: bool().default(true),
        http_port: port(5066),
        nginx_log_dir: z.string().min(1).default("/var/log/nginx"),
      })
      .strict()
      .prefault({}),
    /**
     * The front door (Debian's nginx with provisioning/nginx/): the portal, Grafana and Kibana
     * behind one sign-in on this port; Grafana and Kibana where they run (their paths answer a
     * page saying how to add them where they do not).
     */
    front_door: z
      .object({
        enabled: bool().default(true),
        port: port(8080),
        grafana: z
          .string()
          .regex(/^[\w.-]+:\d+$/, "host:port")
          .default("127.0.0.1:3000"),
        kibana: z
          .string()
          .regex(/^[\w.-]+:\d+$/, "host:port")
          .default("127.0.0.1:5601"),
      })
      .strict()
      .prefault({}),
    /** Run a demo shop under PM2 and seed sample deploys, so nothing is empty on first run. */
    demo: bool().default(true),
    /** Where the demo shop serves its pages (its two cluster workers share it), on 127.0.0.1. */
    demo_shop: z
      .object({ port: port(8097) })
      .strict()
      .prefault({}),
  })
  .strict();

export type StackConfig = z.infer<typeof stackSchema>;
