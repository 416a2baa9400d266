// How the property tests cut a body into the chunks a connection delivers it in.

/**
 * `bytes` cut at the given points (taken modulo its length, sorted), or into single bytes; above
 * `singleBytesUpTo` bytes, 'every byte' leaves the body whole (a megabyte of one-byte chunks would
 * test the runner's patience, not the parser).
 */
export function cut(bytes: Uint8Array, at: 'every byte' | number[], singleBytesUpTo = Number.POSITIVE_INFINITY) {
  if (at === 'every byte' && bytes.length <= singleBytesUpTo) {
    return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  }
  const points = (at === 'every byte' ? [] : at).map((p) => p % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}
