// The notifier on a Redis queue (notifier.queue: redis://…): several notifiers share one journal
// and deliver together.
//   <prefix>:journal  a stream of every record (in, sent, fail, …), as the local journal holds
//                     them; every instance folds all of it, so the history and each channel's
//                     state (what was sent, when, what failed) read the same on each.
//   <prefix>:queue    one entry per notification to deliver (new or retried), read by the
//                     consumer group "notifiers": an entry is one instance's to deliver until it
//                     is acknowledged (every channel delivered or dead).
// An instance killed mid-delivery leaves its entries pending; untouched for claim_idle_seconds,
// the others take them over (XAUTOCLAIM), and the journal tells them which channels already have
// them: only a send whose "sent" record was not yet written goes twice. A live instance touches
// its entries so a long retry is not taken from it, and a restarted one reads its own first.
// Redis runs with appendfsync always: a write's reply means it is on disk, as the local journal's.
import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "@opsdeck/core";
import type { AmPayload, NotifierRecord } from "../model.ts";
import { copyKey } from "../peer-copies.ts";
import { connectRedis, createLease, describeRedis, followRedisStream } from "@opsdeck/core/redis";
import { KEEP_IF_OWNER, RESERVE_SEND, SENT_AT } from "./scripts.ts";

export const GROUP = "notifiers";
const PREFIX = "opsdeck:notifier";
export const KEYS = {
  journal: `${PREFIX}:journal`,
  queue: `${PREFIX}:queue`,
  leader: `${PREFIX}:leader`,
  snapshot: `${PREFIX}:snapshot`,
  copy: (key: string) => `${PREFIX}:copy:${createHash("sha256").update(key).digest("hex")}`,
  sends: (channel: string) => `${PREFIX}:sends:${channel}`,
};
const BATCH = 1000;
/** The journal stream is folded into a snapshot and cut once it holds this many records. */
const COMPACT_RECORDS = 50_000;

/** Whether stream id a is after b ("ms-seq"). */
const after = (a: string, b: string) => {
  const [aMs, aSeq] = a.split("-").map(Number);
  const [bMs, bSeq] = b.split("-").map(Number);
  return aMs > bMs || (aMs === bMs && aSeq > bSeq);
};
const BLOCK_MS = 1000;

export interface RedisQueueOptions<S> {
  url: string;
  /** This notifier's consumer name: the same across its restarts, so it finds its own entries. */
  instance: string;
  claimIdleMs: number;
  log: Logger;
  /** Folds one record into this notifier's state (replay and other instances' records). */
  apply(record: NotifierRecord): void;
  /**
   * The state as a snapshot's JSON text in pieces (pruned of old history), and back from the
   * parsed snapshot: as the local journal does.
   */
  dumpText(): string[];
  load(snapshot: S): void;
  /** Other instances' records, once folded (to wake the pumps and tell the live stream). */
  applied(records: NotifierRecord[]): void;
  /** Whether a notification has nothing left to deliver; undefined while it is not folded yet. */
  finished(id: string): boolean | undefined;
  /** Entries this instance delivers now: from the group, its own after a restart, or taken over. */
  took(ids: string[], how: "new" | "own" | "claimed"): void;
  /** Fold the journal into a snapshot once it holds this many records (default 50,000). */
  compactRecords?: number;
  /** notifier.peer_copies_seconds, in ms (it may change on reload). */
  copyWindowMs(): number;
}

export type RedisQueue = Awaited<ReturnType<typeof openRedisQueue>>;

export async function openRedisQueue<S>(opts: RedisQueueOptions<S>) {
  const { log } = opts;
  // This process's records come back through the journal's tail; it folded them already.
  const writer = randomUUID();
  const main = await connectRedis(opts.url);
  // Blocking reads hold their connection: each loop has its own.
  const consumer = main.duplicate();
  const tailer = main.duplicate();
  for (const connection of [main, consumer, tailer])
    connection.on("error", (err: Error) => log.warn("redis connection error", { "error.message": err.message }));
  await Promise.all([main.connect(), consumer.connect(), tailer.connect()]);
  try {
    await main.xGroupCreate(KEYS.queue, GROUP, "0", { MKSTREAM: true });
  } catch (err) {
    if (!String(err).includes("BUSYGROUP")) throw err;
  }

  let closed = false;
  let lastId = "0-0";
  let replayed = 0;
  const snapshot = await main.get(KEYS.snapshot);
  if (snapshot) {
    const saved = JSON.parse(snapshot) as { id: string; state: S };
    opts.load(saved.state);
    lastId = saved.id;
  }
  for (;;) {
    const entries =
      (await main.xRange(KEYS.journal, lastId === "0-0" ? "-" : `(${lastId}`, "+", { COUNT: BATCH })) ?? [];
    for (const entry of entries) {
      opts.apply(JSON.parse(entry.message.r) as NotifierRecord);
      lastId = entry.id;
      replayed++;
    }
    if (entries.length < BATCH) break;
  }

  /** Notification id → its queue entries this instance holds (a retried one has more than one). */
  const owned = new Map<string, Set<string>>();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  function own(entries: { id: string; message: Record<string, string> | null }[], how: "new" | "own" | "claimed") {
    const ids: string[] = [];
    for (const entry of entries) {
      const id = entry.message?.id;
      if (!id) continue; // trimmed away: nothing to deliver
      let entryIds = owned.get(id);
      if (!entryIds) owned.set(id, (entryIds = new Set()));
      entryIds.add(entry.id);
      ids.push(id);
    }
    if (ids.length) opts.took(ids, how);
    return settle(ids);
  }

  /** Acknowledges the entries of owned notifications that have nothing left to deliver. */
  async function settle(ids: Iterable<string>) {
    const done: string[] = [];
    for (const id of ids) {
      const entryIds = owned.get(id);
      if (!entryIds || !opts.finished(id)) continue;
      done.push(...entryIds);
      owned.delete(id);
    }
    if (done.length) await main.xAck(KEYS.queue, GROUP, done);
  }

  const tail = () =>
    followRedisStream(
      tailer,
      KEYS.journal,
      lastId,
      async (entries) => {
        const records: NotifierRecord[] = [];
        for (const entry of entries) {
          lastId = entry.id;
          if (entry.message.by === writer) continue;
          const record = JSON.parse(entry.message.r) as NotifierRecord;
          opts.apply(record);
          records.push(record);
        }
        if (!records.length) return;
        opts.applied(records);
        // Notifications taken before their "in" record was folded may be finished already.
        await settle(owned.keys());
      },
      {
        stopped: () => closed,
        onError: (err) => log.warn("reading the journal stream failed; retrying", { "error.message": String(err) }),
        blockMs: BLOCK_MS,
        count: BATCH,
      },
    );

  async function readGroup(from: "0" | ">") {
    let id: string = from;
    for (;;) {
      const streams = await consumer.xReadGroup(
        GROUP,
        opts.instance,
        { key: KEYS.queue, id },
        from === ">" ? { COUNT: 100, BLOCK: BLOCK_MS } : { COUNT: 100 },
      );
      const entries = (
        (streams ?? []) as { messages: { id: string; message: Record<string, string> | null }[] }[]
      ).flatMap((stream) => stream.messages);
      await own(entries, from === ">" ? "new" : "own");
      // ">" delivers each entry once; "0" pages through this consumer's own pending entries.
      if (from === ">" || !entries.length) return;
      id = entries.at(-1)!.id;
    }
  }

  async function consume() {
    let startedOwn = false;
    while (!closed) {
      try {
        if (!startedOwn) {
          await readGroup("0"); // what this instance held when it stopped, first
          startedOwn = true;
        }
        await readGroup(">");
      } catch (err) {
        if (closed) break;
        log.warn("reading the queue stream failed; retrying", { "error.message": String(err) });
        await sleep(1000);
      }
    }
  }

  /** Keeps this instance's entries from looking abandoned, and takes over others' that are. */
  async function keepAndClaim() {
    const entryIds = [...owned.values()].flatMap((ids) => [...ids]);
    for (let i = 0; i < entryIds.length; i += 500) {
      const lost = (await main.eval(KEEP_IF_OWNER, {
        keys: [KEYS.queue],
        arguments: [GROUP, opts.instance, ...entryIds.slice(i, i + 500)],
      })) as string[];
      // Another instance took them while this one was stalled (longer than claim_idle): theirs now.
      if (lost.length) {
        const gone = new Set(lost);
        for (const [id, ids] of owned) {
          for (const entryId of ids) if (gone.has(entryId)) ids.delete(entryId);
          if (!ids.size) owned.delete(id);
        }
        log.warn("entries taken over by another notifier while this one was stalled", {
          "opsdeck.entries": lost.length,
        });
      }
    }
    let start = "0-0";
    do {
      const claimed = await main.xAutoClaim(KEYS.queue, GROUP, opts.instance, opts.claimIdleMs, start, { COUNT: 100 });
      await own(claimed.messages as { id: string; message: Record<string, string> | null }[], "claimed");
      start = claimed.nextId;
    } while (start !== "0-0" && !closed);
  }

  /** One instance runs the clocks (heartbeat, escalation), trims the queue and compacts the journal. */
  const lease = createLease(main, KEYS.leader, writer);
  async function lead() {
    if (!(await lease.renew())) return;
    await trimQueue();
    await compact();
  }

  /** The newest record this process wrote, and writes not answered yet (their records are folded already). */
  let newestOwn = "0-0";
  let writing = 0;

  /**
   * Folds the journal into a snapshot and cuts what it holds. Only when every record this state
   * holds is at or before the tail's position — its own writes are folded before they are
   * written — else replaying after the snapshot would fold them twice.
   */
  async function compact(): Promise<boolean> {
    if (writing > 0 || after(newestOwn, lastId)) return false;
    if ((await main.xLen(KEYS.journal)) < (opts.compactRecords ?? COMPACT_RECORDS)) return false;
    const upTo = lastId;
    await main.set(KEYS.snapshot, `{"id":${JSON.stringify(upTo)},"state":${opts.dumpText().join("")}}`);
    await main.xTrim(KEYS.journal, "MINID", upTo);
    log.info("journal stream compacted into a snapshot", { "opsdeck.journal.up_to": upTo });
    return true;
  }

  /** Cuts acknowledged entries, never one still pending or not yet read. */
  async function trimQueue() {
    const groups = (await main.xInfoGroups(KEYS.queue)) as unknown as { name: string; "last-delivered-id": string }[];
    const group = groups.find((g) => g.name === GROUP);
    if (!group) return;
    const pending = await main.xPending(KEYS.queue, GROUP);
    const lowest = pending.pending > 0 && pending.firstId ? pending.firstId : group["last-delivered-id"];
    if (lowest !== "0-0") await main.xTrim(KEYS.queue, "MINID", lowest);
  }

  const every = (ms: number, task: () => Promise<void>, what: string) =>
    setInterval(() => {
      if (!closed) void task().catch((err) => !closed && log.warn(`${what} failed`, { "error.message": String(err) }));
    }, ms);
  let timers: NodeJS.Timeout[] = [];
  let loops: Promise<void>[] = [];

  return {
    replayed,
    /** Begins following the journal, reading the queue and claiming: once the hooks can take it. */
    async start() {
      timers = [
        every(Math.max(250, opts.claimIdleMs / 3), keepAndClaim, "claiming idle entries"),
        every(5_000, lead, "leader lease"),
      ];
      await lead();
      loops = [tail(), consume()];
      log.info("notifier queue on redis", {
        "opsdeck.queue": describeRedis(opts.url),
        "opsdeck.instance": opts.instance,
        "opsdeck.replayed": replayed,
      });
    },
    /** Whether this instance delivers the notification (its queue entry is this instance's). */
    owns: (id: string) => owned.has(id),
    ownedCount: () => owned.size,
    isLeader: () => lease.holds(),
    /** Records, on disk (appendfsync always) when it resolves; new and retried ones queued. */
    async write(records: NotifierRecord[]) {
      const multi = main.multi();
      /** Which of the transaction's replies are the journal's stream ids. */
      const journalReplies: number[] = [];
      let commands = 0;
      for (const record of records) {
        journalReplies.push(commands++);
        multi.xAdd(KEYS.journal, "*", { r: JSON.stringify(record), by: writer });
        const queued =
          record.t === "in"
            ? record.n.channels.length
              ? record.n.id
              : undefined
            : record.t === "retry"
              ? record.id
              : undefined;
        if (queued) {
          multi.xAdd(KEYS.queue, "*", { id: queued });
          commands++;
        }
        // Written with the record, so a copy is known as one only once its original is on disk.
        const windowMs = opts.copyWindowMs();
        if (record.t === "in" && record.n.kind === "alert" && windowMs > 0) {
          multi.set(KEYS.copy(copyKey(record.n.payload)), record.n.id, { PX: windowMs });
          commands++;
        }
      }
      writing++;
      try {
        const replies = (await multi.exec()) as unknown[];
        for (const index of journalReplies) {
          const id = String(replies[index]);
          if (after(id, newestOwn)) newestOwn = id;
        }
      } finally {
        writing--;
      }
    },
    settle,
    compact,
    /**
     * The notification (received by any instance within peer_copies_seconds) this payload copies.
     * Alertmanager's peers send their copies a peer timeout (15 s) apart, so checking before the
     * write and marking with it does not race in practice.
     */
    async copyOf(payload: AmPayload): Promise<string | undefined> {
      if (opts.copyWindowMs() <= 0) return undefined;
      return (await main.get(KEYS.copy(copyKey(payload)))) ?? undefined;
    },
    /**
     * One send on a channel, counted against its per-minute limit shared by every instance: any
     * 60 s window holds at most `perMinute` sends. Resolves to how long to wait, or to `done`,
     * which moves the send's mark to when it ended (as the provider saw it arrive, at the latest).
     */
    async reserve(channel: string, perMinute: number): Promise<{ waitMs: number } | { done(): Promise<void> }> {
      const member = randomUUID();
      const waitMs = Number(
        await main.eval(RESERVE_SEND, { keys: [KEYS.sends(channel)], arguments: [String(perMinute), "60000", member] }),
      );
      if (waitMs > 0) return { waitMs };
      return {
        done: async () =>
          void (await main.eval(SENT_AT, { keys: [KEYS.sends(channel)], arguments: [member, "60000"] })),
      };
    },
    async close() {
      closed = true;
      timers.forEach(clearInterval);
      await lease.release().catch(() => undefined); // another instance runs the clocks at once
      consumer.destroy();
      tailer.destroy();
      await Promise.allSettled(loops);
      main.destroy();
    },
  };
}
