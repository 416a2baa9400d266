// Properties of Utf8Decoder, which turns an event stream's chunks into text: whatever the bytes
// (valid UTF-8, broken sequences, stray continuation bytes, byte order marks) and wherever the chunks
// are cut (inside a character, empty chunks, every byte), the text is what TextDecoder makes of the
// whole body at once: a leading BOM dropped, any other kept, each bad sequence one U+FFFD.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Decoder } from '../../../src/internal/utf8-decoder.js';
import { cut } from './chunking.js';

const encoder = new TextEncoder();
const piece = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }).map((text) => encoder.encode(text)),
  fc.uint8Array({ maxLength: 6 }),
  fc.constantFrom(
    new Uint8Array([0xef, 0xbb, 0xbf]), // a BOM
    new Uint8Array([0xf0, 0x9f, 0x98]), // a 4-byte character cut short
    new Uint8Array([0xe0, 0x80]), // a lead byte whose next byte is out of its range
    new Uint8Array([0xed, 0xa0, 0x80]), // a surrogate, not allowed in UTF-8
    new Uint8Array([0xc0, 0xaf]), // an overlong form
    new Uint8Array([0x80, 0xbf]), // continuation bytes with no lead
    new Uint8Array([0xf4, 0x90, 0x80, 0x80]), // beyond U+10FFFF
    new Uint8Array([0xf5, 0xff]),
  ),
);
const body = fc.array(piece, { maxLength: 12 }).map((parts) => {
  const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
});
const cuts = fc.oneof(fc.constant('every byte' as const), fc.array(fc.nat(), { maxLength: 12 }));

describe('Utf8Decoder', () => {
  it('makes of the chunks the text TextDecoder makes of the whole body', () => {
    fc.assert(
      fc.property(body, cuts, (bytes, at) => {
        const decoder = new Utf8Decoder();
        let text = '';
        for (const chunk of cut(bytes, at)) text += decoder.decode(chunk);
        text += decoder.decode(undefined);
        expect(text).toBe(new TextDecoder().decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('hands out every whole character at once, holding back only one cut by the chunk end', () => {
    const decoder = new Utf8Decoder();
    const smile = encoder.encode('a😀');
    expect(decoder.decode(smile.subarray(0, 3))).toBe('a');
    expect(decoder.decode(smile.subarray(3))).toBe('😀');
    expect(decoder.decode(encoder.encode('\uFEFFb'))).toBe('\uFEFFb'); // not at the start: kept
    expect(decoder.decode(undefined)).toBe('');
  });
});
