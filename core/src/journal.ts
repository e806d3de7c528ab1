// A durable append-only journal with snapshots: what a service acknowledged is on disk first.
//
// Records are JSON lines, each with a sequence number. Appends that arrive while a write is in
// flight are grouped into the next write + fdatasync (group commit), so durability costs one
// fsync per batch, not per record. A snapshot holds the folded state up to a sequence number;
// replay skips records at or below it, so a crash between writing the snapshot and truncating
// the log never applies a record twice. A torn last line (crash mid-write) was never
// acknowledged and is cut off on open.
import { existsSync, readFileSync, truncateSync } from "node:fs";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { replaceFileAsync } from "./atomic-file.ts";

export interface JournalOptions<R, S> {
  dir: string;
  name: string;
  /** Folds one record into the service's state, on replay and for new records alike. */
  apply: (record: R) => void;
  /** Restores the state from a snapshot written by `dump`. */
  load: (snapshot: S) => void;
  dump: () => S;
  /**
   * Instead of `dump`: the state's JSON in pieces, taken at once (a state held partly on disk
   * copies its stored text into them rather than parsing it into objects to stringify).
   */
  dumpText?: () => string[];
  /** Write a snapshot and truncate the log once it grows past this size. */
  compactBytes?: number;
}

export interface Journal<R> {
  /** Resolves once the records are on disk. Records are applied by the caller beforehand. */
  append(records: R[]): Promise<void>;
  /** Writes a snapshot now and empties the log. */
  compact(): Promise<void>;
  close(): Promise<void>;
  readonly stats: { records: number; bytes: number; replayed: number };
}

interface Line<R> {
  seq: number;
  r: R;
}

export async function openJournal<R, S>(opts: JournalOptions<R, S>): Promise<Journal<R>> {
  await mkdir(opts.dir, { recursive: true });
  const logPath = join(opts.dir, `${opts.name}.log`);
  const snapPath = join(opts.dir, `${opts.name}.snapshot.json`);
  const compactBytes = opts.compactBytes ?? 64 * 1024 * 1024;

  let seq = 0;
  if (existsSync(snapPath)) {
    const snap = JSON.parse(readFileSync(snapPath, "utf8")) as { seq: number; state: S };
    opts.load(snap.state);
    seq = snap.seq;
  }

  let replayed = 0;
  let bytes = 0;
  if (existsSync(logPath)) {
    const buf = readFileSync(logPath);
    let lineNo = 0;
    while (bytes < buf.length) {
      const nl = buf.indexOf(10, bytes);
      if (nl < 0) break; // a torn last line: never acknowledged, cut off below
      lineNo++;
      const raw = buf.toString("utf8", bytes, nl);
      bytes = nl + 1;
      if (raw === "") continue;
      let line: Line<R>;
      try {
        line = JSON.parse(raw) as Line<R>;
      } catch {
        throw new Error(`${logPath}: line ${lineNo} is corrupt; refusing to start on a damaged journal`);
      }
      if (line.seq <= seq) continue;
      opts.apply(line.r);
      seq = line.seq;
      replayed++;
    }
    if (bytes < buf.length) truncateSync(logPath, bytes);
  }

  const fh: FileHandle = await open(logPath, "a");
  let pending: { buf: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  let writing: Promise<void> | null = null;
  let records = 0;
  let closed = false;

  async function writeSnapshot() {
    // The state and its sequence number are taken together, at once; writing them does not hold
    // up the event loop (appends meanwhile wait in `pending`, as during any write, and carry
    // higher sequence numbers, so replay applies them after this snapshot).
    const state = opts.dumpText ? opts.dumpText() : [JSON.stringify(opts.dump())];
    await replaceFileAsync(snapPath, [`{"seq":${seq},"state":`, ...state, "}"]);
    await fh.truncate(0);
    await fh.sync();
    bytes = 0;
  }

  async function flush(): Promise<void> {
    while (pending.length) {
      const batch = pending;
      pending = [];
      const text = batch.map((p) => p.buf).join("");
      try {
        await fh.write(text);
        await fh.datasync();
        bytes += Buffer.byteLength(text);
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
      }
      if (bytes > compactBytes) await writeSnapshot();
    }
    writing = null;
  }

  return {
    get stats() {
      return { records, bytes, replayed };
    },
    append(recs: R[]) {
      if (closed) return Promise.reject(new Error("journal is closed"));
      if (recs.length === 0) return Promise.resolve();
      let buf = "";
      for (const r of recs) buf += JSON.stringify({ seq: ++seq, r }) + "\n";
      records += recs.length;
      const done = new Promise<void>((resolve, reject) => pending.push({ buf, resolve, reject }));
      if (!writing) writing = flush();
      return done;
    },
    async compact() {
      while (writing) await writing;
      await writeSnapshot();
    },
    async close() {
      closed = true;
      while (writing) await writing;
      await fh.close();
    },
  };
}
