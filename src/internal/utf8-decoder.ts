// A body's bytes as text, chunk by chunk, for the event-stream parser.

/**
 * UTF-8 chunks to text, as `TextDecoder.decode(chunk, { stream: true })` would but several times
 * faster: Node's decoder takes its fast path only for input decoded whole, so the bytes of a
 * character cut by the end of a chunk are held back here and decoded with the next one.
 */
export class Utf8Decoder {
  // The BOM is dropped only at the start of the body (each decode() would drop its own).
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private held: Uint8Array | undefined;
  private started = false;

  /** The text of the next chunk; `undefined` at the end of the body (a character cut there is U+FFFD). */
  decode(chunk: Uint8Array | undefined): string {
    let bytes = chunk ?? new Uint8Array(0);
    if (this.held) {
      const joined = new Uint8Array(this.held.length + bytes.length);
      joined.set(this.held);
      joined.set(bytes, this.held.length);
      bytes = joined;
      this.held = undefined;
    }
    const whole = chunk ? wholeCharacters(bytes) : bytes.length;
    if (whole < bytes.length) this.held = bytes.slice(whole);
    let text = whole === 0 ? '' : this.decoder.decode(whole === bytes.length ? bytes : bytes.subarray(0, whole));
    if (!this.started && text !== '') {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  }
}

/**
 * How many bytes of `bytes` end with a whole character: all of them, unless they end inside one
 * that more bytes could complete (the last lead byte, 0xC2 to 0xF4, is followed by fewer
 * continuation bytes than it announces). Bytes that cannot become a character count as whole: they
 * decode to U+FFFD wherever the chunk ends.
 */
function wholeCharacters(bytes: Uint8Array): number {
  const n = bytes.length;
  // A character is at most 4 bytes: its lead byte is at most 3 before the end.
  for (let i = n - 1; i >= 0 && i >= n - 3; i--) {
    const byte = bytes[i] as number;
    if (byte < 0x80) return n;
    if (byte < 0xc0) continue; // a continuation byte: look further back
    if (byte < 0xc2 || byte > 0xf4) return n;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return n - i < length ? i : n;
  }
  return n;
}
