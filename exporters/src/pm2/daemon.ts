// A connection to the PM2 daemon that never starts one: its RPC socket for the process list and
// its bus for process events, spoken as they arrive (wire.ts) rather than through pm2's client,
// which parses every message whole; it reconnects with backoff when the daemon goes away.
import { connect, type Socket } from "node:net";
import paths from "pm2/paths.js";
import type { Logger } from "@opsdeck/core";
import { encodeFrame, frameReader, objectSplitter } from "./wire.ts";

import { appPort } from "./listening.ts";

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
    /** The app's PORT, where its environment sets one (the rest of the environment is dropped). */
    PORT?: number;
    /** Its log files (the flush-logs action empties them). */
    pm_out_log_path?: string;
    pm_err_log_path?: string;
  };
}

/**
 * What the exporter reads of a process. PM2 sends each one's whole environment too (its
 * secrets among it, 5–20 KB a process): dropped as each process is read.
 */
export function kept(p: Pm2Process): Pm2Process {
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
      PORT: appPort(env as Record<string, unknown>),
      pm_out_log_path: env.pm_out_log_path,
      pm_err_log_path: env.pm_err_log_path,
    },
  };
}

export interface DaemonLink {
  readonly up: boolean;
  list(): Promise<Pm2Process[]>;
  close(): void;
}

/** getMonitorData's answer, `{"args":[[…processes…]]}`, or `{"error": …}` in its first bytes. */
interface Answer {
  processes: Pm2Process[];
  head: Buffer[];
  headBytes: number;
}
const HEAD_BYTES = 64 * 1024;

export function withTimeout<T>(ms: number, what: string, fn: (done: (err: Error | undefined, v?: T) => void) => void) {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer from the PM2 daemon in ${ms} ms`)), ms);
    fn((err, v) => {
      clearTimeout(t);
      if (err) reject(err);
      else resolve(v as T);
    });
  });
}

export function open(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const s = connect(path);
    // Given up on, the socket is destroyed: left to connect later, nothing would ever close it.
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect: no answer from the PM2 daemon in ${timeoutMs} ms`));
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      s.destroy();
      reject(e);
    });
  });
}

/** The error a failed call answered with, from the start of its answer ("j:{…}"). */
export function daemonError(head: string): Error | undefined {
  if (!head.startsWith('j:{"error"')) return undefined;
  try {
    return new Error(`PM2 daemon: ${String((JSON.parse(head.slice(2)) as { error: unknown }).error)}`);
  } catch {
    return new Error("PM2 daemon: the call failed");
  }
}

export function linkDaemon(opts: {
  pm2Home?: string;
  timeoutMs: number;
  log: Logger;
  /** Called on every process event from the bus, and when the link goes up or down. */
  onChange: () => void;
}): DaemonLink {
  const conf = paths(opts.pm2Home ?? process.env.PM2_HOME);
  let sockets: { rpc: Socket; bus: Socket } | undefined;
  let up = false;
  let closed = false;
  let backoff = 250;
  let timer: NodeJS.Timeout | undefined;
  let calls = 0;
  /** The call in flight (one at a time: `list` chains them) and where its answer goes. */
  let answering: { answer: Answer; done: (err: Error | undefined, v?: Pm2Process[]) => void } | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  function drop(reason: string) {
    const s = sockets;
    sockets = undefined;
    s?.rpc.destroy();
    s?.bus.destroy();
    answering?.done(new Error(`lost the PM2 daemon: ${reason}`));
    answering = undefined;
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

  /** The RPC socket's frames: argument 0 is the answer, cut into processes as it arrives. */
  function rpcReader() {
    let split: ((chunk: Buffer) => void) | undefined;
    return frameReader({
      argument: (index) => {
        if (index !== 0 || !answering) return false;
        const answer = answering.answer;
        split = objectSplitter(3, (json) =>
          answer.processes.push(kept(JSON.parse(json.toString("utf8")) as Pm2Process)),
        );
        return true;
      },
      data: (_index, chunk) => {
        const answer = answering?.answer;
        if (!answer || !split) return;
        if (answer.headBytes < HEAD_BYTES) {
          answer.head.push(Buffer.from(chunk.subarray(0, HEAD_BYTES - answer.headBytes)));
          answer.headBytes += Math.min(chunk.length, HEAD_BYTES - answer.headBytes);
        }
        split(chunk);
      },
      end: () => (split = undefined),
      frame: () => {
        const a = answering;
        answering = undefined;
        if (a) a.done(daemonError(Buffer.concat(a.answer.head).toString("utf8")), a.answer.processes);
      },
    });
  }

  /** The bus's frames: the topic (argument 0) read, the event itself skipped. */
  function busReader() {
    let topic: Buffer[] = [];
    return frameReader({
      argument: (index, length) => index === 0 && length < 256,
      data: (_index, chunk) => topic.push(Buffer.from(chunk)),
      end: () => undefined,
      frame: () => {
        if (Buffer.concat(topic).toString() === "s:process:event") opts.onChange();
        topic = [];
      },
    });
  }

  async function attempt() {
    if (closed || sockets) return;
    let rpc: Socket | undefined;
    try {
      rpc = await open(conf.DAEMON_RPC_PORT, opts.timeoutMs);
      const bus = await open(conf.DAEMON_PUB_PORT, opts.timeoutMs);
      if (closed) {
        rpc.destroy();
        bus.destroy();
        return;
      }
      const mine = { rpc, bus };
      sockets = mine;
      for (const [sock, read] of [
        [rpc, rpcReader()],
        [bus, busReader()],
      ] as const) {
        sock.on("data", (chunk: Buffer) => {
          try {
            read(chunk);
          } catch (err) {
            if (sockets === mine) drop((err as Error).message);
          }
        });
        sock.on("error", (e) => sockets === mine && drop(e.message));
        sock.on("close", () => sockets === mine && drop("connection to the daemon closed"));
      }
      up = true;
      backoff = 250;
      opts.log.info("connected to the PM2 daemon", { "file.path": conf.DAEMON_RPC_PORT });
      opts.onChange();
    } catch {
      rpc?.destroy();
      schedule();
    }
  }

  void attempt();

  function call(): Promise<Pm2Process[]> {
    const s = sockets;
    if (!s || !up) return Promise.reject(new Error("not connected to the PM2 daemon"));
    return withTimeout<Pm2Process[]>(opts.timeoutMs, "getMonitorData", (done) => {
      answering = { answer: { processes: [], head: [], headBytes: 0 }, done };
      s.rpc.write(encodeFrame([{ type: "call", method: "getMonitorData", args: [{}] }, `opsdeck:${calls++}`]));
    }).catch((err: Error) => {
      // A late answer must not land in the next call: start over on a fresh connection.
      if (sockets === s) drop(err.message);
      throw err;
    });
  }

  return {
    get up() {
      return up;
    },
    list() {
      const next = chain.then(call, call);
      chain = next.catch(() => undefined);
      return next;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      const s = sockets;
      sockets = undefined;
      up = false;
      s?.rpc.destroy();
      s?.bus.destroy();
    },
  };
}
