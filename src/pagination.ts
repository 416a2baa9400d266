// Walks a cursor-paged list (`limit`, `cursor` → `data`, `has_more`, `next_cursor`) as one async
// iterator, fetching the next page only when the caller gets that far.
import type { ControlPlanePaths } from './api-paths.js';
import type { CallOptions } from './client-types.js';
import type { ControlPlaneClient, ThrowingControlPlaneClient } from './control-plane-client.js';
import { HopxResponseFormatError } from './errors.js';
import { resultClientOf } from './internal/create-api-client.js';
import { dataOf } from './results.js';

type PagedBody = { data?: unknown[] | null; has_more?: boolean; next_cursor?: string | null };

/** Control Plane paths whose GET answers a cursor page. */
export type PagedPath = {
  [P in keyof ControlPlanePaths]: ControlPlanePaths[P] extends {
    get: { responses: { 200: { content: { 'application/json': { next_cursor?: unknown } } } } };
  }
    ? P
    : never;
}[keyof ControlPlanePaths];

type PageBody<P extends PagedPath> = ControlPlanePaths[P]['get']['responses'][200]['content']['application/json'];
export type PageItem<P extends PagedPath> = NonNullable<PageBody<P>['data']>[number];
type PageQuery<P extends PagedPath> = Omit<NonNullable<ControlPlanePaths[P]['get']['parameters']['query']>, 'cursor'>;

export interface PaginateOptions<P extends PagedPath> extends CallOptions {
  /** Filters and page size (`limit`); the cursor is handled for you. */
  query?: PageQuery<P>;
  signal?: AbortSignal;
}

/**
 * Every item of a paged list, page after page:
 * `for await (const sandbox of paginate(hopx, '/v1/sandboxes', { query: { status: 'running' } }))`.
 * Breaking out of the loop stops fetching.
 */
export async function* paginate<P extends PagedPath>(
  client: ControlPlaneClient | ThrowingControlPlaneClient,
  path: P,
  options: PaginateOptions<P> = {},
): AsyncGenerator<PageItem<P>, void, undefined> {
  // The path is one of several paged routes: call it untyped, the result is typed below.
  const raw = resultClientOf(client) as unknown as {
    GET(path: string, init: object): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  };
  const { query, ...init } = options;
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = dataOf(
      await raw.GET(path, { ...init, params: { query: { ...query, ...(cursor ? { cursor } : {}) } } }),
      `GET ${path}`,
    ) as PagedBody;
    for (const item of page.data ?? []) yield item as PageItem<P>;
    const next = page.has_more ? (page.next_cursor ?? undefined) : undefined;
    if (page.has_more && !next)
      throw new HopxResponseFormatError(`GET ${path}: has_more is true but next_cursor is missing`);
    // A server that hands back a cursor twice would loop forever; stop with an error instead.
    if (next && seen.has(next))
      throw new HopxResponseFormatError(`GET ${path}: next_cursor ${JSON.stringify(next)} was already used`);
    if (next) seen.add(next);
    cursor = next;
  } while (cursor);
}
