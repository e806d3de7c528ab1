import { homedir } from "node:os";
import { join } from "node:path";

// The versions of the servers OpsDeck runs that are built from their Go modules, pinned once:
// scripts/build-servers.sh builds these, npm start and the tests run them, and the compose
// stack's image tags must be the same numbers (a test checks). Prometheus 3.x is the Go module
// github.com/prometheus/prometheus v0.3MM.P (3.16.0 → v0.316.0).
export const PROMETHEUS_VERSION = "3.16.0";
export const ALERTMANAGER_VERSION = "0.35.0";
export const NODE_EXPORTER_VERSION = "1.12.1";
// The newest the Go module proxy serves (it lists none, but answers exact versions).
export const BLACKBOX_EXPORTER_VERSION = "0.28.0";
// The database exporters (the newest versions the Go module proxy serves here; Debian's are
// 2022's: postgres_exporter 0.11, mysqld_exporter 0.14, redis_exporter 1.45).
export const POSTGRES_EXPORTER_VERSION = "0.17.1";
export const MYSQLD_EXPORTER_VERSION = "0.19.0";
export const REDIS_EXPORTER_VERSION = "1.82.0";
// Only the compose rehearsal (npm run compose-rehearsal) builds these: Docker Compose as servers
// run it (the CLI plugin), and the Elasticsearch exporter at the compose file's image tag.
export const COMPOSE_VERSION = "5.6.0";
export const ES_EXPORTER_VERSION = "1.9.0";

/** Where scripts/build-servers.sh puts them: outside the checkout, so every clone on this machine shares them. */
export const SERVERS_DIR =
  process.env.OPSDECK_SERVERS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "opsdeck", "servers");

const built = (name: string, version: string, binary: string) => join(SERVERS_DIR, `${name}-${version}`, binary);

/** The binaries; each can be replaced by an environment variable (e.g. to try another build). */
export const SERVER_BINARIES = {
  prometheus: process.env.OPSDECK_PROMETHEUS_BIN ?? built("prometheus", PROMETHEUS_VERSION, "prometheus"),
  promtool: process.env.OPSDECK_PROMTOOL_BIN ?? built("prometheus", PROMETHEUS_VERSION, "promtool"),
  alertmanager: process.env.OPSDECK_ALERTMANAGER_BIN ?? built("alertmanager", ALERTMANAGER_VERSION, "alertmanager"),
  amtool: process.env.OPSDECK_AMTOOL_BIN ?? built("alertmanager", ALERTMANAGER_VERSION, "amtool"),
  nodeExporter: process.env.OPSDECK_NODE_EXPORTER_BIN ?? built("node_exporter", NODE_EXPORTER_VERSION, "node_exporter"),
  blackboxExporter:
    process.env.OPSDECK_BLACKBOX_EXPORTER_BIN ??
    built("blackbox_exporter", BLACKBOX_EXPORTER_VERSION, "blackbox_exporter"),
  postgresExporter: built("postgres_exporter", POSTGRES_EXPORTER_VERSION, "postgres_exporter"),
  mysqldExporter: built("mysqld_exporter", MYSQLD_EXPORTER_VERSION, "mysqld_exporter"),
  redisExporter: built("redis_exporter", REDIS_EXPORTER_VERSION, "redis_exporter"),
  dockerCompose: built("docker-compose", COMPOSE_VERSION, "docker-compose"),
  elasticsearchExporter: built("elasticsearch_exporter", ES_EXPORTER_VERSION, "elasticsearch_exporter"),
};
