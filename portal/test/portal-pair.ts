// Portals sharing one Redis (portal.shared_redis), each with its own data directory as on its
// own server, beside the real deploy exporter as the live stream's source: for the two-portal
// test and its benchmark. `shared: false` starts one portal alone, the comparison.
import { writeFileSync } from "node:fs";
import type http from "node:http";
import { join } from "node:path";
import { stringify } from "yaml";
import { hashPassword } from "@opsdeck/core";
import { freePort, launchExporter, launchPortal, startQueueRedis, type Proc } from "@opsdeck/stack";
import { openStream } from "@opsdeck/stack/bench-stats";
import { tempDir, writeConfig } from "@opsdeck/stack/testkit";

export interface PortalPair {
  portals: { name: string; base: string; proc: Proc }[];
  deployUrl: string;
  redisUrl?: string;
  redis?: Proc;
  stop(): Promise<void>;
}

export const PAIR_USER = { name: "ops", password: "ops-password-1" };

export async function startPortals(opts: {
  count: number;
  shared: boolean;
  /** More of opsdeck.yml: top-level sections, and `portal.sources` entries beside the deploy exporter. */
  config?: Record<string, unknown>;
  sources?: Record<string, unknown>;
}): Promise<PortalPair> {
  const dir = tempDir("portal-pair");
  const procs: Proc[] = [];
  const redis = opts.shared ? await startQueueRedis({ dir: join(dir, "redis") }) : undefined;
  if (redis) procs.push(redis.proc);
  const exporters = await writeConfig(tempDir("portal-pair-exporters"));
  procs.push(await launchExporter("deploy", { configFile: exporters.file, url: exporters.urls.deploy }));
  const hash = await hashPassword(PAIR_USER.password);
  const portals: PortalPair["portals"] = [];
  for (let i = 0; i < opts.count; i++) {
    const name = `portal-${String.fromCharCode(97 + i)}`;
    const port = await freePort();
    const file = join(dir, `${name}.yml`);
    writeFileSync(
      file,
      stringify({
        ...opts.config,
        log: { level: "warn" },
        portal: {
          port,
          instance: name,
          data_dir: `data/${name}`,
          ...(redis ? { shared_redis: redis.url } : {}),
          session_secret: "portal-pair-session-secret-0123456789",
          users: [{ name: PAIR_USER.name, password_hash: hash, role: "operator" }],
          sign_in: { max_failures: 3, window_minutes: 15, user_backoff_max_seconds: 30 },
          trusted_proxies: [],
          sources: { deploy_url: exporters.urls.deploy, ...opts.sources },
        },
      }),
    );
    const base = `http://127.0.0.1:${port}`;
    const proc = await launchPortal({ configFile: file, url: base, logFile: join(dir, `${name}.log`) });
    procs.push(proc);
    portals.push({ name, base, proc });
  }
  return {
    portals,
    deployUrl: exporters.urls.deploy,
    redisUrl: redis?.url,
    redis: redis?.proc,
    async stop() {
      for (const proc of procs.reverse()) await proc.stop().catch(() => undefined);
    },
  };
}

/**
 * Opens `count` streams to a portal, 200 at a time (a bounded client, not a SYN flood); each
 * records the id and arrival time of the events whose frame matches `marker`.
 */
export async function openStreams(
  base: string,
  cookie: string,
  count: number,
  marker: RegExp,
  lastEventId?: string,
): Promise<{ seen: { id: string; at: number }[][]; requests: http.ClientRequest[] }> {
  const seen: { id: string; at: number }[][] = [];
  const requests: http.ClientRequest[] = [];
  for (let i = 0; i < count; i += 200)
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, async () => {
        const events: { id: string; at: number }[] = [];
        seen.push(events);
        const headers: Record<string, string> = { cookie, ...(lastEventId ? { "last-event-id": lastEventId } : {}) };
        requests.push(
          await openStream(`${base}/api/stream`, headers, (chunk, at) => {
            // One frame per event ("id: …\nevent: …\ndata: …"); a chunk may hold several.
            for (const frame of chunk.toString().split("\n\n"))
              if (marker.test(frame)) events.push({ id: /^id: (\d+)$/m.exec(frame)?.[1] ?? "?", at });
          }),
        );
      }),
    );
  return { seen, requests };
}
