// What the portal asks Prometheus about hosts, in one place: the Overview, System, Hosts pages
// and a host's own page ask the same questions, for every host or for one.
import { HOST_NAME } from "@opsdeck/core";

/** The selector's extra matcher for one host ("" for every host). Names are checked first. */
export const hostMatcher = (host?: string) => (host ? `host="${host}"` : "");

/** A host name from a URL, if it is one: PromQL is built from it. */
export const hostParam = (value: string | string[] | undefined): string | undefined =>
  typeof value === "string" && HOST_NAME.test(value) ? value : undefined;

const join = (...matchers: string[]) => matchers.filter(Boolean).join(",");

export const HOST_QUERIES = {
  cpu: (h = "") => `1 - avg by (host) (rate(node_cpu_seconds_total{${join('mode="idle"', h)}}[5m]))`,
  memory: (h = "") =>
    `1 - node_memory_MemAvailable_bytes{${h}} / node_memory_MemTotal_bytes{${h}}`.replaceAll("{}", ""),
  disk: (h = "") =>
    `max by (host) (1 - node_filesystem_avail_bytes{${join('fstype!~"tmpfs|overlay|squashfs"', h)}} / node_filesystem_size_bytes)`,
  load: (h = "") => `node_load1{${h}}`.replace("{}", ""),
  // Received and sent apart: a host that only sends (a backup running) reads differently from one that only receives.
  network: (h = "") =>
    `label_replace(sum by (host) (rate(node_network_receive_bytes_total{${join('device!~"lo"', h)}}[5m])), "direction", "rx", "", "") or label_replace(sum by (host) (rate(node_network_transmit_bytes_total{${join('device!~"lo"', h)}}[5m])), "direction", "tx", "", "")`,
} as const;
