// The `probes:` section of opsdeck.yml: what blackbox_exporter checks from here — a site's pages
// (HTTP(S): status, a keyword, a JSON value, headers), a TCP port, a TLS endpoint's certificate,
// a DNS answer, a ping. OpsDeck turns each into a blackbox module and a file_sd target
// (core/src/probes/); Prometheus scrapes blackbox for each, every scrape interval.
import { z } from "zod";
import { HOST_NAME } from "./hosts.ts";
import { bool, int, num, uniquelyNamed, userLabels } from "./zod.ts";

export const PROBE_TYPES = ["http", "tcp", "tls", "dns", "icmp"] as const;

/** A probe's name: its `probe` label on every series, and the blackbox module's name. */
export const PROBE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Labels OpsDeck or Prometheus set on a probe's series; its own labels may not use them. */
const RESERVED_LABELS = new Set([
  "probe",
  "probe_type",
  "instance",
  "job",
  "host",
  "module",
  "hop",
  "parent_host",
  "parent_app",
]);

/** host:port, the host a name, an IPv4 address or an IPv6 address in brackets. */
export const HOST_PORT =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$/;

/**
 * Headers about the connection, which blackbox (prometheus/common) sets or refuses itself. Host,
 * User-Agent, Content-Type, Accept-Encoding and Authorization may be given.
 */
const CONNECTION_HEADERS = new Set(
  [
    "Content-Encoding",
    "Content-Length",
    "Connection",
    "Keep-Alive",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Www-Authenticate",
    "X-Prometheus-Scrape-Timeout-Seconds",
  ].map((h) => h.toLowerCase()),
);

/** Headers that are no secret, written into blackbox's config as they are. */
export const PLAIN_HEADERS = new Set(["host", "user-agent", "content-type", "accept-encoding"]);

const httpCheck = z
  .object({
    method: z.enum(["GET", "HEAD", "POST"]).default("GET"),
    /** Accepted status codes; unset: any 2xx. */
    status: z.array(int().pipe(z.number().min(100).max(599))).optional(),
    /** Text the body must hold (taken literally, not as a regular expression). */
    keyword: z.string().min(1).max(200).optional(),
    /** A CEL expression over the body's JSON that must hold, e.g. `body.status == "ok"`. */
    json: z.string().min(1).max(500).optional(),
    /**
     * Request headers (a Host header, a token the endpoint needs). Sent on every hop the probe
     * follows: a secret header for a site that redirects elsewhere wants follow_redirects: false.
     */
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, "a header name"), z.string().min(1).max(1000))
      .default({})
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers))
          if (CONNECTION_HEADERS.has(name.toLowerCase()))
            ctx.addIssue({ code: "custom", path: [name], message: "blackbox_exporter sets this header itself" });
        const authorization = Object.entries(headers).find(([name]) => name.toLowerCase() === "authorization");
        // "<scheme> <credentials>", the scheme a token: it names the file the credentials go to.
        if (authorization && !/^[A-Za-z][A-Za-z0-9._~+-]{0,31}\s+\S/.test(authorization[1].trim()))
          ctx.addIssue({
            code: "custom",
            path: [authorization[0]],
            message: "<scheme> <credentials>, e.g. Bearer <token>",
          });
        const basic = authorization && /^basic\s/i.test(authorization[1].trim()) ? authorization : undefined;
        if (basic && !Buffer.from(basic[1].trim().slice(6).trim(), "base64").toString("utf8").includes(":"))
          ctx.addIssue({ code: "custom", path: [basic[0]], message: "Basic credentials are base64 of user:password" });
      }),
    /** Follow redirects (the final answer is checked). */
    follow_redirects: bool().default(true),
  })
  .strict();

/**
 * Whether blackbox (Go's RE2) can read a regular expression: it must compile, without the
 * lookarounds and back-references RE2 lacks. One it cannot read would stop blackbox taking any
 * change of its config (it keeps the last good one), so it is refused here.
 */
function isRe2(pattern: string): boolean {
  try {
    new RegExp(pattern);
  } catch {
    return false;
  }
  return !/\(\?<?[=!]|\\[1-9]|\\k</.test(pattern);
}

const dnsCheck = z
  .object({
    /** The name to ask for; the probe's target is the name server (host or host:port). */
    query_name: z.string().min(1).max(253),
    query_type: z.enum(["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "SRV"]).default("A"),
    /** An answer record must match this regular expression (e.g. the address it should resolve to). */
    answer: z
      .string()
      .min(1)
      .max(200)
      .refine(isRe2, "a regular expression blackbox (Go's RE2) reads: no lookaround or back-reference")
      .optional(),
  })
  .strict();

export const probeSchema = z
  .object({
    name: z
      .string()
      .regex(PROBE_NAME, "lower-case letters, digits and '-', at most 63, starting with a letter or digit"),
    /** What people read (the status page): no host names or addresses needed. */
    display_name: z.string().min(1).max(80).optional(),
    type: z.enum(PROBE_TYPES),
    /** http: a URL; tcp and tls: host:port; dns: the name server; icmp: a host. */
    target: z.string().min(1).max(2048),
    http: httpCheck.optional(),
    dns: dnsCheck.optional(),
    /**
     * https and tls: the CA that signed the endpoint's certificate, when it is not a public one
     * (a path blackbox_exporter can read). Its certificate is still verified, never skipped.
     */
    ca_file: z.string().min(1).optional(),
    /** Seconds blackbox waits for the whole probe. */
    timeout_seconds: num().pipe(z.number().positive().max(60)).default(5),
    /** Answers slower than this (p95 over 5 minutes) are "slow", alerted apart from down. */
    slow_ms: int().pipe(z.number().positive()).optional(),
    /**
     * What the probed service runs on: while that host is down or that PM2 app is down (errored,
     * not online, crash-looping), the probe's own alerts are inhibited — the parent's alert says
     * it — and its series keep recording.
     */
    depends_on: z
      .object({
        host: z.string().regex(HOST_NAME, "a host name as hosts: lists it").optional(),
        app: z.string().min(1).max(128).optional(),
      })
      .strict()
      .optional(),
    /**
     * Other hosts whose agents' blackbox_exporter runs this probe too (hosts with
     * blackbox_exporter set). ProbeDown fires once `agree` of all vantage points — this server
     * and these hosts — see it down (default: a majority), naming them.
     */
    vantage_points: z
      .object({
        hosts: z
          .array(z.string().regex(HOST_NAME, "a host name as hosts: lists it"))
          .min(1)
          .max(20)
          .refine((hosts) => new Set(hosts).size === hosts.length, "a host is listed twice"),
        agree: int().pipe(z.number().min(1)).optional(),
      })
      .strict()
      .optional(),
    /** Shown on the public status page (opt-in). */
    public: bool().default(false),
    /** Routing and scope labels on its series and alerts: project, environment, app, team… */
    labels: userLabels(RESERVED_LABELS).default({}),
    enabled: bool().default(true),
  })
  .strict()
  .superRefine((p, ctx) => {
    const bad = (message: string, path = ["target"]) => ctx.addIssue({ code: "custom", path, message });
    if (p.type === "http") {
      let url: URL | undefined;
      try {
        url = new URL(p.target);
      } catch {
        /* said below */
      }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
        bad("an http:// or https:// URL for an http probe");
    } else if (p.type === "tcp" || p.type === "tls") {
      if (!HOST_PORT.test(p.target)) bad(`host:port for a ${p.type} probe`);
    } else if (p.type === "dns") {
      if (!HOST.test(p.target) && !HOST_PORT.test(p.target)) bad("the name server (host or host:port) for a dns probe");
      if (!p.dns) bad("required for a dns probe: the name to ask for", ["dns"]);
    } else if (!HOST.test(p.target)) bad("a host name or IP address for an icmp probe");
    if (p.http && p.type !== "http") bad("only for an http probe", ["http"]);
    if (p.ca_file && p.type !== "http" && p.type !== "tls") bad("only for an https or tls probe", ["ca_file"]);
    if (p.dns && p.type !== "dns") bad("only for a dns probe", ["dns"]);
    if (p.vantage_points) {
      const { hosts, agree } = p.vantage_points;
      if (agree !== undefined && agree > hosts.length + 1)
        bad(`at most ${hosts.length + 1}: this server and ${hosts.length} host(s)`, ["vantage_points", "agree"]);
      // The agents' blackbox gets the module as it is: no secret in it, no path on this server.
      if (p.ca_file) bad("not with vantage_points: the agents have no such file", ["ca_file"]);
      const secret = Object.keys(p.http?.headers ?? {}).find((h) => !PLAIN_HEADERS.has(h.toLowerCase()));
      if (secret) bad("not with vantage_points: the agents would hold its value", ["http", "headers", secret]);
    }
    // The public page shows nothing else of a probe: its name may say more than the public should read.
    if (p.public && !p.display_name)
      bad("required for a public probe: the name the status page shows", ["display_name"]);
  });

export type Probe = z.infer<typeof probeSchema>;

/** A list of probes whose names are unique. */
export const probeListSchema = uniquelyNamed(probeSchema);
