// Every VM Agent operation under /desktop/: VNC, mouse, keyboard, clipboard, screenshots, recording,
// windows, display, X11 helpers and debug, plus the desktop-less (501/503) and 401 error paths.
import { expect } from 'vitest';
import { AuthenticationError, DesktopNotAvailableError, TokenExpiredError } from '../../../src/index.js';
import type { ContractCall } from '../contract-harness.js';

const RECORDING_ID = 'rec_1761048301abcd';
/** A template without a desktop: newer agents answer 503, older ones 501, both with DESKTOP_NOT_AVAILABLE. */
const noDesktop503 = { headers: { Prefer: 'code=503, example=noDesktop' } };
const noDesktop501 = { headers: { Prefer: 'code=501' } };
const expiredToken = { headers: { Prefer: 'code=401, example=expiredToken' } };
/** Asks for PNG but still accepts the JSON error body (Prism negotiates error bodies by Accept too). */
const PNG_OR_JSON_ERROR = 'image/png, application/json;q=0.9';

/** A binary success: status, media type and a non-null Blob. */
function expectBinary(response: Response, data: unknown, mediaType: string) {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain(mediaType);
  expect(data).toBeInstanceOf(Blob);
}

export const agentDesktopCalls: ContractCall[] = [
  // --- VNC ---
  {
    operation: 'POST /desktop/vnc/start',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/vnc/start', {
        body: { display: 1, password: 's3cr3t-vnc' },
      });
      expect(response.status).toBe(200);
      expect(data?.running).toBe(true);
      expect(data?.port).toBe(5901);
      expect(data?.url).toBe('vnc://7777-1761048129dsaqav4n.eu-1001.vms.hopx.dev:5901');
    },
  },
  {
    operation: 'POST /desktop/vnc/start',
    name: '503 DESKTOP_NOT_AVAILABLE (throwing)',
    async run({ agentOrThrow }) {
      const call = agentOrThrow.POST('/desktop/vnc/start', { body: { display: 1 }, ...noDesktop503 });
      await expect(call).rejects.toBeInstanceOf(DesktopNotAvailableError);
      await expect(call).rejects.toMatchObject({ status: 503, code: 'DESKTOP_NOT_AVAILABLE' });
    },
  },
  {
    operation: 'POST /desktop/vnc/stop',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.POST('/desktop/vnc/stop');
      expect(data.success).toBe(true);
      expect(data.message).toBe('VNC server stopped');
    },
  },
  {
    operation: 'GET /desktop/vnc/status',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/vnc/status');
      expect(response.status).toBe(200);
      expect(data?.running).toBe(true);
      expect(data?.display).toBe(1);
    },
  },
  {
    operation: 'GET /desktop/vnc/status',
    name: 'server not started',
    async run({ agent }) {
      const { data } = await agent.GET('/desktop/vnc/status', { headers: { Prefer: 'example=stopped' } });
      expect(data).toEqual({ running: false });
    },
  },

  // --- mouse ---
  {
    operation: 'POST /desktop/mouse/click',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/mouse/click', {
        body: { x: 640, y: 360, button: 'left', clicks: 2 },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/mouse/click',
    name: '501 DESKTOP_NOT_AVAILABLE (older agent)',
    async run({ agent }) {
      const { data, error, response } = await agent.POST('/desktop/mouse/click', {
        body: { x: 640, y: 360 },
        ...noDesktop501,
      });
      expect(data).toBeUndefined();
      expect(response.status).toBe(501);
      expect(error?.code).toBe('DESKTOP_NOT_AVAILABLE');
      expect(error?.details).toEqual({ missing_dependencies: ['xvfb', 'xdotool'] });
    },
  },
  {
    operation: 'POST /desktop/mouse/move',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/mouse/move', { body: { x: 300, y: 400 } });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/mouse/drag',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.POST('/desktop/mouse/drag', {
        body: { from_x: 100, from_y: 100, to_x: 200, to_y: 200, button: 'left' },
      });
      expect(data.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/mouse/scroll',
    name: 'JavaScript SDK shape (at a point)',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/mouse/scroll', { body: { x: 640, y: 360, delta_y: 5 } });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/mouse/scroll',
    name: 'Python SDK shape (by direction)',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/mouse/scroll', { body: { amount: 5, direction: 'down' } });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },

  // --- keyboard ---
  {
    operation: 'POST /desktop/keyboard/type',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/keyboard/type', {
        body: { text: 'Hello, World!', delay_ms: 10 },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/keyboard/press',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.POST('/desktop/keyboard/press', { body: { key: 'Return' } });
      expect(data.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/keyboard/press',
    name: '501 DESKTOP_NOT_AVAILABLE (throwing)',
    async run({ agentOrThrow }) {
      const call = agentOrThrow.POST('/desktop/keyboard/press', { body: { key: 'Return' }, ...noDesktop501 });
      await expect(call).rejects.toBeInstanceOf(DesktopNotAvailableError);
      await expect(call).rejects.toMatchObject({ status: 501, code: 'DESKTOP_NOT_AVAILABLE' });
    },
  },
  {
    operation: 'POST /desktop/keyboard/combination',
    name: 'JavaScript SDK shape (keys)',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/keyboard/combination', {
        body: { keys: ['ctrl', 'shift', 't'] },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/keyboard/combination',
    name: 'Python SDK shape (modifiers + key)',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/keyboard/combination', {
        body: { modifiers: ['ctrl', 'shift'], key: 't' },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },

  // --- clipboard ---
  {
    operation: 'GET /desktop/clipboard/get',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/clipboard/get');
      expect(response.status).toBe(200);
      expect(data?.text).toBe('Hello from clipboard!');
    },
  },
  {
    operation: 'POST /desktop/clipboard/set',
    name: 'JavaScript SDK shape (content)',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/clipboard/set', {
        body: { content: 'Hello from clipboard!' },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/clipboard/set',
    name: 'Python SDK shape (text)',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.POST('/desktop/clipboard/set', { body: { text: 'Hello from clipboard!' } });
      expect(data.success).toBe(true);
    },
  },
  {
    operation: 'GET /desktop/clipboard/history',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/clipboard/history');
      expect(response.status).toBe(200);
      expect(data?.history).toEqual(['https://hopx.dev', 'Hello from clipboard!']);
    },
  },

  // --- screenshots ---
  {
    operation: 'GET /desktop/screenshot',
    name: 'PNG bytes',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/screenshot', {
        parseAs: 'blob',
        headers: { Accept: 'image/png' },
      });
      expectBinary(response, data, 'image/png');
    },
  },
  {
    operation: 'GET /desktop/screenshot',
    name: 'JSON with base64 image',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/screenshot', { headers: { Accept: 'application/json' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(data).toMatchObject({
        format: 'png',
        width: 1920,
        height: 1080,
        image: 'iVBORw0KGgoAAAANSUhEUgAAB4AAAAQ4CAIAAABnsVYU',
      });
    },
  },
  {
    operation: 'GET /desktop/screenshot',
    name: '503 DESKTOP_NOT_AVAILABLE',
    async run({ agent }) {
      const { error, response } = await agent.GET('/desktop/screenshot', {
        parseAs: 'blob',
        headers: { Accept: PNG_OR_JSON_ERROR, Prefer: 'code=503, example=noDesktop' },
      });
      expect(response.status).toBe(503);
      expect(error?.code).toBe('DESKTOP_NOT_AVAILABLE');
      expect(error?.error).toBe('Desktop automation is not available in this sandbox');
    },
  },
  {
    operation: 'POST /desktop/screenshot',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/screenshot', {
        parseAs: 'blob',
        headers: { Accept: 'image/png' },
      });
      expectBinary(response, data, 'image/png');
    },
  },
  {
    operation: 'POST /desktop/screenshot/region',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/screenshot/region', {
        body: { x: 100, y: 100, width: 500, height: 300 },
        parseAs: 'blob',
        headers: { Accept: 'image/png' },
      });
      expectBinary(response, data, 'image/png');
    },
  },

  // --- recording ---
  {
    operation: 'POST /desktop/recording/start',
    name: 'Python SDK body',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/recording/start', {
        body: { fps: 30, format: 'mp4', quality: 'high' },
      });
      expect(response.status).toBe(200);
      expect(data?.recording_id).toBe(RECORDING_ID);
      expect(data?.status).toBe('recording');
    },
  },
  {
    operation: 'POST /desktop/recording/start',
    name: 'JavaScript SDK body',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.POST('/desktop/recording/start', {
        body: { output_file: '/workspace/recordings/demo.mp4' },
      });
      expect(data.recording_id).toBe(RECORDING_ID);
      expect(data.format).toBe('mp4');
    },
  },
  {
    operation: 'POST /desktop/recording/stop',
    name: 'Python SDK body',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/recording/stop', { body: { recording_id: RECORDING_ID } });
      expect(response.status).toBe(200);
      expect(data?.status).toBe('stopped');
      expect(data?.duration).toBe(42.5);
    },
  },
  {
    operation: 'POST /desktop/recording/stop',
    name: 'no body (JavaScript SDK)',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/recording/stop');
      expect(response.status).toBe(200);
      expect(data?.recording_id).toBe(RECORDING_ID);
    },
  },
  {
    operation: 'GET /desktop/recording/status',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/recording/status', {
        params: { query: { id: RECORDING_ID } },
      });
      expect(response.status).toBe(200);
      expect(data?.status).toBe('stopped');
      expect(data?.file_path).toBe('/workspace/recordings/rec_1761048301abcd.mp4');
    },
  },
  {
    operation: 'GET /desktop/recording/download',
    name: 'MP4',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/recording/download', {
        params: { query: { id: RECORDING_ID } },
        parseAs: 'blob',
        headers: { Accept: 'video/mp4' },
      });
      expectBinary(response, data, 'video/mp4');
    },
  },
  {
    operation: 'GET /desktop/recording/download',
    name: 'WebM',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/recording/download', {
        params: { query: { id: RECORDING_ID } },
        parseAs: 'blob',
        headers: { Accept: 'video/webm' },
      });
      expectBinary(response, data, 'video/webm');
    },
  },

  // --- windows ---
  {
    operation: 'GET /desktop/windows/list',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/windows/list');
      expect(response.status).toBe(200);
      expect(data?.windows).toHaveLength(2);
      expect(data?.windows?.[0]).toMatchObject({ id: 31457283, title: 'Mozilla Firefox', is_active: true });
    },
  },
  {
    operation: 'POST /desktop/windows/focus',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/windows/focus', { body: { window_id: 31457283 } });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/windows/close',
    name: 'hexadecimal window id',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.POST('/desktop/windows/close', { body: { window_id: '0x02200004' } });
      expect(data.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/windows/resize',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/windows/resize', {
        body: { window_id: 31457283, width: 800, height: 600 },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/windows/minimize',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/windows/minimize', { body: { window_id: 31457283 } });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },

  // --- display ---
  {
    operation: 'GET /desktop/display/current',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.GET('/desktop/display/current');
      expect(data).toMatchObject({ width: 1920, height: 1080, depth: 24 });
      expect(data.displays?.[0]?.primary).toBe(true);
    },
  },
  {
    operation: 'GET /desktop/display/available',
    name: '[width, height] pairs',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/display/available');
      expect(response.status).toBe(200);
      expect(data?.resolutions).toEqual([
        [1920, 1080],
        [1280, 720],
        [1024, 768],
      ]);
    },
  },
  {
    operation: 'GET /desktop/display/available',
    name: '{width, height} objects',
    async run({ agent }) {
      const { data } = await agent.GET('/desktop/display/available', { headers: { Prefer: 'example=objects' } });
      expect(data?.resolutions).toEqual([
        { width: 1920, height: 1080 },
        { width: 1280, height: 720 },
      ]);
    },
  },
  {
    operation: 'POST /desktop/display/set',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/display/set', { body: { width: 1280, height: 720 } });
      expect(response.status).toBe(200);
      expect(data).toMatchObject({ width: 1280, height: 720, depth: 24 });
    },
  },
  {
    operation: 'POST /desktop/display/set',
    name: '503 DESKTOP_NOT_AVAILABLE',
    async run({ agent }) {
      const { error, response } = await agent.POST('/desktop/display/set', {
        body: { width: 1280, height: 720 },
        ...noDesktop503,
      });
      expect(response.status).toBe(503);
      expect(error?.code).toBe('DESKTOP_NOT_AVAILABLE');
      expect(error?.details).toEqual({ missing_dependencies: ['xvfb'] });
    },
  },

  // --- X11 helpers ---
  {
    operation: 'POST /desktop/x11/ocr',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/x11/ocr', {
        body: { x: 100, y: 100, width: 400, height: 200, language: 'eng' },
      });
      expect(response.status).toBe(200);
      expect(data?.text).toBe('Welcome to HopX\nSign in to continue');
    },
  },
  {
    operation: 'POST /desktop/x11/hotkey',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/x11/hotkey', { body: { modifiers: ['alt'], key: 'tab' } });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/x11/drag-drop',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/x11/drag-drop', {
        body: { from_x: 100, from_y: 200, to_x: 500, to_y: 300 },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/x11/drag_drop',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.POST('/desktop/x11/drag_drop', {
        body: { from_x: 100, from_y: 200, to_x: 500, to_y: 300 },
      });
      expect(data.success).toBe(true);
    },
  },
  {
    operation: 'POST /desktop/x11/find_element',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/x11/find_element', { body: { text: 'Submit' } });
      expect(response.status).toBe(200);
      expect(data?.element).toEqual({ x: 612, y: 480, width: 96, height: 32 });
    },
  },
  {
    operation: 'POST /desktop/x11/find_element',
    name: 'text not on screen',
    async run({ agent }) {
      const { data } = await agent.POST('/desktop/x11/find_element', {
        body: { text: 'Submit' },
        headers: { Prefer: 'example=notFound' },
      });
      expect(data?.element).toBeNull();
    },
  },
  {
    operation: 'POST /desktop/x11/wait_for',
    async run({ agent }) {
      const { data, response } = await agent.POST('/desktop/x11/wait_for', {
        body: { text: 'Loading complete', timeout: 60 },
      });
      expect(response.status).toBe(200);
      expect(data?.element).toEqual({ x: 540, y: 320, width: 200, height: 24 });
    },
  },
  {
    operation: 'POST /desktop/x11/get_bounds',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.POST('/desktop/x11/get_bounds', { body: { text: 'OK' } });
      expect(data).toEqual({ x: 880, y: 610, width: 80, height: 28 });
    },
  },
  {
    operation: 'GET /desktop/x11/capture_window',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/x11/capture_window', {
        params: { query: { window_id: '0x01e00003' } },
        parseAs: 'blob',
        headers: { Accept: 'image/png' },
      });
      expectBinary(response, data, 'image/png');
    },
  },
  {
    operation: 'GET /desktop/x11/capture_window',
    name: '503 DESKTOP_NOT_AVAILABLE (throwing)',
    async run({ agentOrThrow }) {
      const call = agentOrThrow.GET('/desktop/x11/capture_window', {
        parseAs: 'blob',
        headers: { Accept: PNG_OR_JSON_ERROR, Prefer: 'code=503, example=noDesktop' },
      });
      await expect(call).rejects.toBeInstanceOf(DesktopNotAvailableError);
    },
  },

  // --- debug ---
  {
    operation: 'GET /desktop/debug/logs',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/debug/logs');
      expect(response.status).toBe(200);
      expect(data?.logs).toHaveLength(2);
      expect(data?.logs?.[0]).toContain('Xvfb started on display :1');
    },
  },
  {
    operation: 'GET /desktop/debug/processes',
    async run({ agent }) {
      const { data, response } = await agent.GET('/desktop/debug/processes');
      expect(response.status).toBe(200);
      expect(data?.processes?.map((p) => p.name)).toEqual(['Xvfb', 'x0vncserver']);
    },
  },

  // --- 401 last: the client renews the token through the Control Plane on a 401, and the mock's
  // renewed token carries an example expiry, so later calls on that client would renew again. ---
  {
    operation: 'GET /desktop/clipboard/get',
    name: '401 TOKEN_EXPIRED',
    async run({ agent }) {
      const { data, error, response } = await agent.GET('/desktop/clipboard/get', expiredToken);
      expect(data).toBeUndefined();
      expect(response.status).toBe(401);
      expect(error?.code).toBe('TOKEN_EXPIRED');
    },
  },
  {
    operation: 'POST /desktop/windows/focus',
    name: '401 TOKEN_EXPIRED (throwing)',
    async run({ agentOrThrow }) {
      const call = agentOrThrow.POST('/desktop/windows/focus', { body: { window_id: 31457283 }, ...expiredToken });
      await expect(call).rejects.toBeInstanceOf(AuthenticationError);
      await expect(call).rejects.toBeInstanceOf(TokenExpiredError);
    },
  },
];
