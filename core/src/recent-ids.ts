// The last `capacity` event ids a service accepted, to drop duplicates, in 8 bytes per id
// whatever its length plus a 4-byte slot table. Strings in a Set cost 60–75 bytes each
// (measured: 200,000 ids took 14.6 MB of heap); the exporters keep up to 200,000.
//
// An id is kept as a 64-bit keyed hash: two ids collide with odds of about capacity / 2^64 per
// event (1 in 10^14 at 200,000), and the key, random per state and kept in its snapshot, stops a
// client from crafting ids that collide with another client's. A collision drops the event as a
// duplicate, which is what a retried event would get.
import { randomBytes } from "node:crypto";

export interface RecentIdsDump {
  /** The hash key, hex. */
  key: string;
  /** The hashes, oldest first, as base64 of little-endian uint32 pairs. */
  hashes: string;
}

/** One 32-bit lane: MurmurHash3's mixing over UTF-16 code units, seeded. */
function lane(text: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= text.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class RecentIds {
  /** Hashes in arrival order, a ring: [high, low] per id. */
  private readonly ring: Uint32Array;
  /** Open addressing with linear probing: ring position + 1 per slot, 0 when empty. */
  private readonly slots: Uint32Array;
  private readonly mask: number;
  private readonly seeds: Uint32Array;
  private next = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    key: string = randomBytes(8).toString("hex"),
  ) {
    if (!/^[0-9a-f]{16}$/.test(key)) throw new Error("RecentIds: the key is 16 hex digits");
    this.seeds = new Uint32Array([parseInt(key.slice(0, 8), 16), parseInt(key.slice(8), 16)]);
    this.ring = new Uint32Array(capacity * 2);
    // At most half full, so a probe ends after about two slots.
    let size = 1;
    while (size < capacity * 2) size *= 2;
    this.slots = new Uint32Array(size);
    this.mask = size - 1;
  }

  get key(): string {
    return [...this.seeds].map((s) => s.toString(16).padStart(8, "0")).join("");
  }

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    const [high, low] = this.hash(id);
    return this.find(high, low) >= 0;
  }

  /** Remembers an id; false (and nothing changes) if it was already there. */
  add(id: string): boolean {
    const [high, low] = this.hash(id);
    if (this.find(high, low) >= 0) return false;
    this.insert(high, low);
    return true;
  }

  dump(): RecentIdsDump {
    const ordered = new Uint32Array(this.count * 2);
    const oldest = this.count < this.capacity ? 0 : this.next;
    for (let i = 0; i < this.count; i++) {
      const at = ((oldest + i) % this.capacity) * 2;
      ordered[i * 2] = this.ring[at];
      ordered[i * 2 + 1] = this.ring[at + 1];
    }
    return { key: this.key, hashes: Buffer.from(ordered.buffer).toString("base64") };
  }

  /** The ids of a dump, in a new set of this capacity (the oldest forgotten if it is smaller). */
  static load(capacity: number, dump: RecentIdsDump): RecentIds {
    const ids = new RecentIds(capacity, dump.key);
    const bytes = Buffer.from(dump.hashes, "base64");
    // A copy: a small Buffer sits in Node's shared pool, at an offset a Uint32Array may not take.
    const whole = bytes.byteOffset + Math.floor(bytes.length / 8) * 8;
    const hashes = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, whole));
    for (let i = 0; i < hashes.length; i += 2)
      if (ids.find(hashes[i], hashes[i + 1]) < 0) ids.insert(hashes[i], hashes[i + 1]);
    return ids;
  }

  private hash(id: string): [number, number] {
    return [lane(id, this.seeds[0]), lane(id, this.seeds[1] ^ 0x9e3779b9)];
  }

  private home(low: number): number {
    return low & this.mask;
  }

  /** The slot holding this hash, or -1. */
  private find(high: number, low: number): number {
    for (let slot = this.home(low); ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot];
      if (entry === 0) return -1;
      const at = (entry - 1) * 2;
      if (this.ring[at] === high && this.ring[at + 1] === low) return slot;
    }
  }

  private insert(high: number, low: number) {
    if (this.count === this.capacity) this.remove(this.next);
    else this.count++;
    this.ring[this.next * 2] = high;
    this.ring[this.next * 2 + 1] = low;
    let slot = this.home(low);
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = this.next + 1;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Forgets the id at a ring position: empties its slot and shifts later probes back into it. */
  private remove(position: number) {
    let hole = this.find(this.ring[position * 2], this.ring[position * 2 + 1]);
    if (hole < 0) throw new Error("RecentIds: an id in the ring is missing from its slots");
    for (let slot = (hole + 1) & this.mask; this.slots[slot] !== 0; slot = (slot + 1) & this.mask) {
      const home = this.home(this.ring[(this.slots[slot] - 1) * 2 + 1]);
      // The entry may move into the hole unless its home lies after the hole, up to its slot.
      const stays = hole < slot ? home > hole && home <= slot : home > hole || home <= slot;
      if (stays) continue;
      this.slots[hole] = this.slots[slot];
      hole = slot;
    }
    this.slots[hole] = 0;
  }
}
