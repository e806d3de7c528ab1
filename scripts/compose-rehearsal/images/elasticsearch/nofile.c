/*
 * Stand-in only: getrlimit(RLIMIT_NOFILE) reports at least OPSDECK_NOFILE_SEEN. The rehearsal's
 * machine caps open files below the 65,536 that docker-compose.monitoring.yml's ulimits ask for
 * (its runc wrapper lowers them; docs/compose-rehearsal.md), and Elasticsearch refuses to start
 * below 65,535 once its transport listens beyond loopback, as in docker-compose.ha.yml. Loaded
 * with LD_PRELOAD by docker-entrypoint.sh only when the limit is that low: Elasticsearch is told
 * what compose asked for and still has only what the machine gives.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/resource.h>

static void widen(rlim_t *current, rlim_t *maximum) {
  const char *seen = getenv("OPSDECK_NOFILE_SEEN");
  if (!seen) return;
  rlim_t at_least = strtoull(seen, NULL, 10);
  if (*current < at_least) *current = at_least;
  if (*maximum < at_least) *maximum = at_least;
}

int getrlimit(__rlimit_resource_t resource, struct rlimit *limit) {
  static int (*real)(__rlimit_resource_t, struct rlimit *);
  if (!real) real = dlsym(RTLD_NEXT, "getrlimit");
  int result = real(resource, limit);
  if (result == 0 && resource == RLIMIT_NOFILE) widen(&limit->rlim_cur, &limit->rlim_max);
  return result;
}

int getrlimit64(__rlimit_resource_t resource, struct rlimit64 *limit) {
  static int (*real)(__rlimit_resource_t, struct rlimit64 *);
  if (!real) real = dlsym(RTLD_NEXT, "getrlimit64");
  int result = real(resource, limit);
  if (result == 0 && resource == RLIMIT_NOFILE) widen(&limit->rlim_cur, &limit->rlim_max);
  return result;
}
