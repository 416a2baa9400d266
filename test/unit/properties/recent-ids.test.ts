// Properties of RecentIds, the memory of delivered event ids that drops replays: whatever the ids
// (empty, repeated, long, any UTF-16) and however small the memory, `add` answers exactly as a plain
// list of the last `capacity` ids remembered would, through the ring wrapping around and the table
// being rebuilt many times over.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../../src/internal/recent-ids.js';

/** The model: a list of the last `capacity` ids remembered, oldest first. */
function modelOf(capacity: number) {
  const remembered: string[] = [];
  return (id: string) => {
    if (remembered.includes(id)) return false;
    remembered.push(id);
    if (remembered.length > capacity) remembered.shift();
    return true;
  };
}

// Few distinct ids, so that most of them come back, some within the memory and some after it.
const id = fc.oneof(
  fc.constantFrom('', '1', '1761048131000-1', '1761048131000-2', 'é', '\u{1F600}'),
  fc.string({ unit: 'binary', maxLength: 3 }),
  fc.nat({ max: 40 }).map((n) => `${1761048131000 + n}-1`),
);

describe('RecentIds', () => {
  it('answers add() as the list of the last `capacity` ids would', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.array(id, { maxLength: 400 }), (capacity, ids) => {
        const recent = new RecentIds(capacity);
        const model = modelOf(capacity);
        for (const [i, next] of ids.entries()) {
          expect(recent.add(next), `id ${i} (${JSON.stringify(next)})`).toBe(model(next));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('at full size: 1024 ids remembered, the 1025th back is forgotten', () => {
    const recent = new RecentIds(1024);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `e${from + i}`);
    expect(range(0, 5000).every((id) => recent.add(id))).toBe(true);
    expect(range(5000 - 1024, 5000).some((id) => recent.add(id))).toBe(false);
    expect(recent.add(`e${5000 - 1025}`)).toBe(true);
  });
});
