// `/cache/stats` and `/cache/clear`. The platform's agent caches execution results; the local
// agent has no such cache (every execution runs), so the true statistics are zeros and clearing
// removes nothing. Fields that only mean something for a real cache (its capacity's lifetime
// `ttl`, a hit rate of 0 lookups) are left out.
import { type Handler, json } from '../context.js';

export const cacheHandlers: Record<string, Handler> = {
  getCacheStats() {
    return json(200, {
      cache: { size: 0, max_size: 0, total_hits: 0 },
      hits: 0,
      misses: 0,
      count: 0,
      size: 0,
      timestamp: new Date().toISOString(),
    });
  },

  clearCache() {
    return json(200, {
      message: 'The local HopX keeps no execution cache: nothing to clear',
      entries_removed: 0,
      timestamp: new Date().toISOString(),
    });
  },
};
