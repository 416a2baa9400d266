// What the local HopX says when it starts (the `hopx-local` command and `npm start`): where it
// answers, the key, and how code is kept in its sandbox on this machine.
import type { LocalHopx } from './local-hopx.js';

export function banner(local: LocalHopx): string {
  const mode =
    local.isolation.mode === 'namespace'
      ? `namespace (${local.isolation.reason}): each sandbox sees its own /workspace and /tmp, on an overlay of this machine`
      : `workspace (${local.isolation.reason}): code runs in each sandbox's folder with HOME there; absolute paths are this machine's`;
  return [
    'Local HopX: both HopX APIs, with state and real code, on this machine.',
    '  It runs code as you: it is a development tool, not a security sandbox.',
    '',
    `  Control Plane   ${local.url}   (sandboxes' agents answer at their public_host)`,
    `  API key         ${local.apiKey}`,
    `  Isolation       ${mode}`,
    `  Data            ${local.dataDir}`,
    '',
    `  export HOPX_API_KEY=${local.apiKey} HOPX_BASE_URL=${local.url}`,
    '  Ctrl-C stops it and removes every sandbox.',
  ].join('\n');
}
