// What the Services page's databases section asks Prometheus (opsdeck.yml databases:, each
// type's exporter): one row per listed database, whatever its type.
const ANY = (pg: string, mysql: string, redis: string) => `${pg} or ${mysql} or ${redis}`;

export const DATABASE_QUERIES = {
  /** Every listed database has a target on its type's exporter: the rows. */
  targets: 'up{job=~"postgres|mysql|redis"}',
  reachable: ANY("pg_up", "mysql_up", "redis_up"),
  used: ANY(
    "sum by (database) (pg_stat_database_numbackends)",
    "max by (database) (mysql_global_status_threads_connected)",
    "max by (database) (redis_connected_clients)",
  ),
  limit: ANY(
    "max by (database) (pg_settings_max_connections)",
    "max by (database) (mysql_global_variables_max_connections)",
    "max by (database) (redis_config_maxclients)",
  ),
  /** Reads from memory over 10 minutes (NaN while nothing is read: shown as –). */
  cacheHits: ANY(
    "sum by (database) (rate(pg_stat_database_blks_hit[10m])) / sum by (database) (rate(pg_stat_database_blks_hit[10m]) + rate(pg_stat_database_blks_read[10m]))",
    "1 - max by (database) (rate(mysql_global_status_innodb_buffer_pool_reads[10m])) / max by (database) (rate(mysql_global_status_innodb_buffer_pool_read_requests[10m]))",
    "max by (database) (rate(redis_keyspace_hits_total[10m])) / max by (database) (rate(redis_keyspace_hits_total[10m]) + rate(redis_keyspace_misses_total[10m]))",
  ),
  lag: "max by (database) (pg_replication_lag_seconds and on (database) (pg_replication_is_replica == 1)) or max by (database) (mysql_slave_status_seconds_behind_master)",
  alerts: 'count by (database) (ALERTS{alertstate="firing", database!=""})',
} as const;

/**
 * The apps' own pools (node-postgres under OpsDeck's preload, over OTLP): per app, host and pool,
 * all its workers added up — connections open against the pools' limits, the requests waiting
 * for one now and the most at once in the last hour (each worker's most, added). Open, not "in
 * use": the instrumentation counts on the pool's connect / acquire / remove events, so after the
 * last release "used" keeps its last value; open connections change only on those events.
 */
const POOL = "job, host_name, db_client_connection_pool_name";
export const POOL_QUERIES = {
  open: `sum by (${POOL}) (db_client_connection_count)`,
  limit: `sum by (${POOL}) (db_client_connection_max)`,
  waiting: `sum by (${POOL}) (db_client_connection_pending_requests)`,
  waitedMost: `sum by (${POOL}) (max_over_time(db_client_connection_pending_requests[1h]))`,
} as const;
