// A set that remembers at most `capacity` keys, forgetting the oldest first. Used to drop
// duplicate event ids. (Evicting with set.values().next() degrades to O(n) per eviction in V8,
// because iteration skips the deleted slots at the front: 17 s per 100k inserts at 200k keys.)
export class BoundedSet {
  private readonly keys = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array(capacity);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Adds a key; false (and nothing changes) if it was already there. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    const old = this.ring[this.next];
    if (old !== undefined) this.keys.delete(old);
    this.ring[this.next] = key;
    this.next = (this.next + 1) % this.capacity;
    this.keys.add(key);
    return true;
  }

  get size(): number {
    return this.keys.size;
  }

  /** Oldest first, as `add` saw them. */
  values(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const k = this.ring[(this.next + i) % this.capacity];
      if (k !== undefined) out.push(k);
    }
    return out;
  }
}
