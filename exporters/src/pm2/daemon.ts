// A connection to the PM2 daemon that never starts one: it probes the RPC socket, talks through
// pm2's own RPC client, follows the bus for process events, and reconnects with backoff when the
// daemon goes away.
import { connect } from "node:net";
import Client from "pm2/lib/Client.js";
import constants from "pm2/constants.js";
import paths from "pm2/paths.js";
import type { Logger } from "@opsdeck/core";

export interface Pm2Process {
  name: string;
  pm_id: number;
  monit?: { memory?: number; cpu?: number };
  pm2_env?: {
    status?: string;
    restart_time?: number;
    unstable_restarts?: number;
    pm_uptime?: number;
    version?: string;
    node_version?: string;
    exec_mode?: string;
    NODE_APP_INSTANCE?: number | string;
    axm_monitor?: Record<string, { value?: unknown; unit?: string; type?: string }>;
  };
}

/**
 * What the exporter reads of a process. PM2 sends each one's whole environment too (its
 * secrets among it, 5–20 KB a process): dropped at once, not held until the next refresh.
 */
function kept(p: Pm2Process): Pm2Process {
  const env = p.pm2_env;
  return {
    name: p.name,
    pm_id: p.pm_id,
    monit: p.monit && { memory: p.monit.memory, cpu: p.monit.cpu },
    pm2_env: env && {
      status: env.status,
      restart_time: env.restart_time,
      unstable_restarts: env.unstable_restarts,
      pm_uptime: env.pm_uptime,
      version: env.version,
      node_version: env.node_version,
      exec_mode: env.exec_mode,
      NODE_APP_INSTANCE: env.NODE_APP_INSTANCE,
      axm_monitor: env.axm_monitor,
    },
  };
}

export interface DaemonLink {
  readonly up: boolean;
  list(): Promise<Pm2Process[]>;
  close(): void;
}

function socketAccepts(path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

function withTimeout<T>(
  ms: number,
  what: string,
  fn: (cb: (err: Error | null | undefined, v?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer from the PM2 daemon in ${ms} ms`)), ms);
    fn((err, v) => {
      clearTimeout(t);
      if (err) reject(err);
      else resolve(v as T);
    });
  });
}

export function linkDaemon(opts: {
  pm2Home?: string;
  timeoutMs: number;
  log: Logger;
  /** Called on every process event from the bus, and when the link goes up or down. */
  onChange: () => void;
}): DaemonLink {
  const conf = { ...constants, ...paths(opts.pm2Home ?? process.env.PM2_HOME) };
  let client: Client | undefined;
  let up = false;
  let closed = false;
  let backoff = 250;
  let timer: NodeJS.Timeout | undefined;

  function drop(reason: string) {
    const c = client;
    client = undefined;
    try {
      c?.client_sock?.close();
      c?.sub_sock?.close();
    } catch {
      /* already closed */
    }
    if (up) opts.log.warn("lost the PM2 daemon", { "event.reason": reason });
    up = false;
    opts.onChange();
    schedule();
  }

  function schedule() {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void attempt();
    }, backoff);
    backoff = Math.min(backoff * 2, 5000);
  }

  async function attempt() {
    if (closed || client) return;
    if (!(await socketAccepts(conf.DAEMON_RPC_PORT, opts.timeoutMs))) return schedule();
    const c = new Client({ conf });
    client = c;
    try {
      await withTimeout<void>(opts.timeoutMs, "rpc connect", (cb) => c.launchRPC((e) => cb(e)));
      const bus = await withTimeout<{ on(e: string, f: (d: unknown) => void): void }>(
        opts.timeoutMs,
        "bus connect",
        (cb) => c.launchBus((e, b) => cb(e, b)),
      );
      if (closed || client !== c) return;
      bus.on("process:event", () => opts.onChange());
      // axon reconnects on its own after a close; we take over instead, to report the daemon down.
      for (const sock of [c.client_sock, c.sub_sock]) {
        sock?.on("reconnect attempt", () => client === c && drop("connection to the daemon closed"));
        sock?.on("error", (e) => client === c && drop(String((e as Error)?.message ?? e)));
      }
      up = true;
      backoff = 250;
      opts.log.info("connected to the PM2 daemon", { "file.path": conf.DAEMON_RPC_PORT });
      opts.onChange();
    } catch (err) {
      if (client === c) drop((err as Error).message);
    }
  }

  void attempt();

  return {
    get up() {
      return up;
    },
    async list() {
      const c = client;
      if (!c?.client || !up) throw new Error("not connected to the PM2 daemon");
      try {
        const list = await withTimeout<Pm2Process[]>(opts.timeoutMs, "getMonitorData", (cb) =>
          c.client!.call("getMonitorData", {}, (e, d) => cb(e, d as Pm2Process[])),
        );
        return list.map(kept);
      } catch (err) {
        if (client === c) drop((err as Error).message);
        throw err;
      }
    },
    close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      up = false;
      try {
        c?.client_sock?.close();
        c?.sub_sock?.close();
      } catch {
        /* already closed */
      }
    },
  };
}
