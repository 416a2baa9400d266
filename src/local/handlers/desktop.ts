// The Desktop tag's operations. The local HopX has no desktop (no X server, VNC, input or screen
// capture is emulated), so every one answers as a sandbox without a desktop does: the documented
// 503 with code DESKTOP_NOT_AVAILABLE, never made-up screens, windows or clipboards. The spec's
// `details.missing_dependencies` is left out: it names packages whose installation would enable
// the desktop, and no package would here. The map is built from the spec so no operation is missed.
import { ApiError } from '../api-error.js';
import type { Handler } from '../context.js';
import { loadSpec, specOperations } from '../spec.js';

const noDesktop: Handler = (ctx) => {
  throw new ApiError(
    503,
    'DESKTOP_NOT_AVAILABLE',
    `Desktop automation is not available in this sandbox: the local HopX has no desktop (${ctx.operation.key})`,
  );
};

export const desktopHandlers: Record<string, Handler> = Object.fromEntries(
  specOperations(loadSpec())
    .filter((operation) => operation.op.tags?.includes('Desktop'))
    .map((operation) => [operation.operationId, noDesktop]),
);
