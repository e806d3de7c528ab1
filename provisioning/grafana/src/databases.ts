// Databases: the team's PostgreSQL, MySQL / MariaDB and Redis servers (opsdeck.yml databases:,
// one exporter per type): up or down, connections against the limit, reads served from memory,
// throughput, replication lag, long transactions and slow queries, Redis' memory.
import { GRAFANA_DASHBOARDS } from "@opsdeck/contracts/dashboards";
import { labelVariable, opsdeckDashboard, prometheusVariable, stateTimeline, timeSeries, UP_DOWN } from "./panels.ts";

const d = 'database=~"$database"';
const rate = (metric: string) => `rate(${metric}{${d}}[$__rate_interval])`;

export const databases = () =>
  opsdeckDashboard(
    GRAFANA_DASHBOARDS.find((x) => x.uid === "opsdeck-databases")!,
    {
      description:
        "opsdeck.yml's databases through their exporters: up, connections against the limit, cache hits, throughput, replication lag, long transactions, slow queries, Redis memory.",
      variables: [
        prometheusVariable(),
        labelVariable("database", "Database", 'label_values(up{job=~"postgres|mysql|redis"}, database)', {
          multi: true,
        }),
      ],
      sections: [
        [
          "State",
          [
            stateTimeline({
              title: "Reachable",
              description: "Whether each database's exporter could connect (DatabaseDown after 2 minutes of down).",
              unit: "none",
              queries: [[`pg_up{${d}} or mysql_up{${d}} or redis_up{${d}}`, "{{database}} ({{job}})"]],
              mappings: UP_DOWN,
              span: 24,
            }),
          ],
        ],
        [
          "Connections",
          [
            timeSeries({
              title: "Connections used of the limit",
              description:
                "In use against max_connections / maxclients (DatabaseConnectionsNearLimit above 80 % for 5 minutes).",
              unit: "percentunit",
              queries: [[`database:connections:ratio{${d}}`, "{{database}}"]],
              span: 12,
            }),
            timeSeries({
              title: "Connections",
              description: "PostgreSQL's backends, MySQL's connected threads, Redis' clients.",
              unit: "short",
              queries: [
                [`sum by (database) (pg_stat_database_numbackends{${d}})`, "{{database}}"],
                [`max by (database) (mysql_global_status_threads_connected{${d}})`, "{{database}}"],
                [`max by (database) (redis_connected_clients{${d}})`, "{{database}}"],
              ],
              span: 12,
            }),
          ],
        ],
        [
          "Work",
          [
            timeSeries({
              title: "Reads served from memory",
              description:
                "PostgreSQL's shared buffers, InnoDB's buffer pool, Redis' keyspace hits (empty while nothing is read; the alert waits for 10 reads a second).",
              unit: "percentunit",
              queries: [
                [
                  `sum by (database) (${rate("pg_stat_database_blks_hit")}) / sum by (database) (${rate("pg_stat_database_blks_hit")} + ${rate("pg_stat_database_blks_read")})`,
                  "{{database}}",
                ],
                [
                  `1 - max by (database) (${rate("mysql_global_status_innodb_buffer_pool_reads")}) / max by (database) (${rate("mysql_global_status_innodb_buffer_pool_read_requests")})`,
                  "{{database}}",
                ],
                [
                  `max by (database) (${rate("redis_keyspace_hits_total")}) / max by (database) (${rate("redis_keyspace_hits_total")} + ${rate("redis_keyspace_misses_total")})`,
                  "{{database}}",
                ],
              ],
              span: 12,
            }),
            timeSeries({
              title: "Throughput",
              description: "PostgreSQL's commits, MySQL's queries, Redis' commands, per second.",
              unit: "ops",
              queries: [
                [`sum by (database) (${rate("pg_stat_database_xact_commit")})`, "{{database}} commits"],
                [`max by (database) (${rate("mysql_global_status_queries")})`, "{{database}} queries"],
                [`max by (database) (${rate("redis_commands_processed_total")})`, "{{database}} commands"],
              ],
              span: 12,
            }),
          ],
        ],
        [
          "Trouble",
          [
            timeSeries({
              title: "Replication lag",
              description: "A replica's delay behind its primary (DatabaseReplicationLag over 30 s for 5 minutes).",
              unit: "s",
              queries: [
                [`max by (database) (pg_replication_lag_seconds{${d}})`, "{{database}}"],
                [`max by (database) (mysql_slave_status_seconds_behind_master{${d}})`, "{{database}}"],
              ],
              span: 8,
            }),
            timeSeries({
              title: "Longest transaction (PostgreSQL)",
              description:
                "The oldest transaction running or idle in a transaction (DatabaseLongTransaction over 10 minutes).",
              unit: "s",
              queries: [
                [
                  `max by (database) (pg_stat_activity_max_tx_duration{${d}, state=~"active|idle in transaction"})`,
                  "{{database}}",
                ],
              ],
              span: 8,
            }),
            timeSeries({
              title: "Slow queries (MySQL) and Redis memory",
              description:
                "Slow queries per second (long_query_time); Redis' memory against maxmemory (0: no limit set).",
              unit: "short",
              queries: [
                [`max by (database) (${rate("mysql_global_status_slow_queries")})`, "{{database}} slow queries/s"],
                [
                  `max by (database) (redis_memory_used_bytes{${d}} / (redis_memory_max_bytes{${d}} > 0))`,
                  "{{database}} memory of maxmemory",
                ],
              ],
              span: 8,
            }),
          ],
        ],
      ],
    },
  );
