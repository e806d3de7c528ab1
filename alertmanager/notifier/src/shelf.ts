// Where the payloads of finished notifications wait in case someone opens one: a file, so the
// history of days (tens of thousands of notifications) costs the heap only their summaries.
//
// The file is a cache, not a record: the journal (or the Redis stream and its snapshot) holds
// every payload, and the state re-shelves them as it folds at start. So the file is created anew
// by each process and unlinked at once — it lives as long as its descriptor, two instances
// sharing a data_dir never meet in it, and a killed process leaves nothing behind.
import { closeSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";

/** Where one payload lies in the file. */
export type ShelfSpot = readonly [offset: number, length: number];

export interface Shelf {
  put(text: string): ShelfSpot;
  get(spot: ShelfSpot): string;
  /** Bytes written since the file was made (the state knows how many it still wants). */
  readonly bytes: number;
  /** Copies the payloads still wanted into a fresh file, drops the old one and updates their spots. */
  rewrite(live: Map<string, ShelfSpot>): void;
  close(): void;
}

function anonymousFile(dir: string): number {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `.shelf-${process.pid}-${randomUUID()}`);
  const fd = openSync(path, "w+", 0o600);
  unlinkSync(path);
  return fd;
}

export function openShelf(dir: string): Shelf {
  let fd = anonymousFile(dir);
  let end = 0;
  const put = (text: string): ShelfSpot => {
    const buffer = Buffer.from(text);
    writeSync(fd, buffer, 0, buffer.length, end);
    const spot = [end, buffer.length] as const;
    end += buffer.length;
    return spot;
  };
  const read = (from: number, [offset, length]: ShelfSpot) => {
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(from, buffer, done, length - done, offset + done);
      if (n === 0) throw new Error(`shelf: ${length - done} bytes missing at ${offset + done}`);
      done += n;
    }
    return buffer.toString();
  };
  return {
    put,
    get: (spot) => read(fd, spot),
    get bytes() {
      return end;
    },
    rewrite(live) {
      const old = fd;
      fd = anonymousFile(dir);
      end = 0;
      for (const [key, spot] of live) live.set(key, put(read(old, spot)));
      closeSync(old);
    },
    close() {
      closeSync(fd);
    },
  };
}
