// The ids an event stream delivered lately, so that an event the server sends again (a replay
// after a reconnect) is dropped. A hash table of its own over a ring of the last ids: a Set cost
// more per event than parsing the event's JSON (hashing each fresh id natively, growing, and
// deleting the oldest id), here one FNV-1a pass over the id and a probe or two.

export class RecentIds {
  /** The last `capacity` ids remembered, the oldest overwritten first, and their hashes. */
  private readonly ring: Array<string | undefined>;
  private readonly hashes: Int32Array;
  /**
   * Open addressing, at most half full: 1 + a position in the ring, 0 for an empty slot. The slot
   * of an overwritten id stays until the next rebuild; it is harmless, as its id no longer matches.
   */
  private readonly slots: Int32Array;
  private next = 0;
  private used = 0;

  constructor(capacity: number) {
    this.ring = new Array<string | undefined>(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
    this.slots = new Int32Array(2 ** Math.ceil(Math.log2(capacity * 4)));
  }

  /** Remembers `id`: false when it is one of the last `capacity` remembered (a replay). */
  add(id: string): boolean {
    const { ring, hashes, slots } = this;
    const mask = slots.length - 1;
    const hash = hashOf(id);
    let slot = hash & mask;
    for (let entry = slots[slot] as number; entry !== 0; entry = slots[slot] as number) {
      if (hashes[entry - 1] === hash && ring[entry - 1] === id) return false;
      slot = (slot + 1) & mask;
    }
    const at = this.next;
    this.next = (at + 1) % ring.length;
    ring[at] = id;
    hashes[at] = hash;
    if (++this.used > slots.length / 2) this.rebuild();
    else slots[slot] = at + 1;
    return true;
  }

  /** Empties the table and puts back the ids of the ring only (it drops the stale slots). */
  private rebuild(): void {
    const { ring, hashes, slots } = this;
    const mask = slots.length - 1;
    slots.fill(0);
    this.used = 0;
    for (let at = 0; at < ring.length; at++) {
      if (ring[at] === undefined) continue;
      let slot = (hashes[at] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = at + 1;
      this.used++;
    }
  }
}

/** 32-bit FNV-1a over the UTF-16 code units, as a signed int (what the Int32Array holds). */
function hashOf(text: string): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash;
}
