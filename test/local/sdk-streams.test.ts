// The official JavaScript SDK (@hopx-ai/sdk, unchanged) against the local HopX: a sandbox made with
// Sandbox.create(), then its streaming execution (runCodeStream), its terminal and its file watch,
// read the way the SDK's own docs read them.
import { Sandbox } from '@hopx-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalHopx } from './local-harness.js';
import { waitFor } from './sockets-support.js';

const local = useLocalHopx();
let sandbox: Sandbox;

/** Everything an SDK stream yields, failing if it does not end within `ms`. */
async function drain<T>(stream: AsyncIterable<T>, ms = 10_000, stop?: (item: T) => boolean): Promise<T[]> {
  const items: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reading = (async () => {
    for await (const item of stream) {
      items.push(item);
      if (stop?.(item)) break;
    }
  })();
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the SDK stream did not end within ${ms} ms: ${JSON.stringify(items)}`)),
      ms,
    );
  });
  try {
    await Promise.race([reading, late]);
  } finally {
    clearTimeout(timer);
  }
  return items;
}

beforeAll(async () => {
  sandbox = await Sandbox.create({
    template: 'code-interpreter',
    apiKey: local.local.apiKey,
    baseURL: local.local.url,
  });
});

afterAll(async () => {
  await sandbox?.kill();
});

describe('the official JS SDK on the local HopX', () => {
  it('creates a sandbox whose agent it reaches', async () => {
    const info = await sandbox.getInfo();
    expect(info).toMatchObject({ status: 'running', templateName: 'code-interpreter' });
    expect(info.publicHost).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('streams an execution: stdout 42, the result with exit code 0, then complete', async () => {
    for (let round = 0; round < 3; round++) {
      const messages = await drain(sandbox.runCodeStream('print(6*7)'));
      expect(
        messages
          .filter((m) => m.type === 'stdout')
          .map((m) => (m as { data: string }).data)
          .join(''),
      ).toBe('42\n');
      expect(messages.find((m) => m.type === 'result')).toMatchObject({ exit_code: 0 });
      expect(messages.at(-1)).toEqual({ type: 'complete', success: true });
    }
  });

  it('streams an execution with its options: javascript, env, working directory', async () => {
    const messages = await drain(
      sandbox.runCodeStream('console.log(process.env.GREETING, process.cwd().endsWith("/workspace"))', {
        language: 'javascript',
        env: { GREETING: 'hello' },
        workingDir: '/workspace',
      }),
    );
    expect(
      messages
        .filter((m) => m.type === 'stdout')
        .map((m) => (m as { data: string }).data)
        .join(''),
    ).toBe('hello true\n');
    expect(messages.at(-1)).toEqual({ type: 'complete', success: true });
  });

  it('streams a run that exceeds its timeout: an EXECUTION_TIMEOUT error, then complete without success', async () => {
    const messages = await drain(sandbox.runCodeStream('import time\ntime.sleep(30)', { timeout: 1 }));
    expect(messages.find((m) => m.type === 'error')).toMatchObject({ code: 'EXECUTION_TIMEOUT' });
    expect(messages.at(-1)).toEqual({ type: 'complete', success: false });
  });

  it('opens a terminal: the shell computes hi-42, and exit 3 ends it with code 3', async () => {
    const ws = await sandbox.terminal.connect();
    sandbox.terminal.sendInput(ws, 'echo hi-$((6*7))\nexit 3\n');
    const messages = await drain(sandbox.terminal.output(ws));
    ws.close();
    const printed = messages.filter((m) => m.type === 'output').map((m) => (m as { data?: string }).data ?? '');
    expect(printed.join('')).toContain('hi-42');
    expect(messages.at(-1)).toMatchObject({ type: 'exit', code: 3 });
  });

  it('resizes the terminal', async () => {
    const ws = await sandbox.terminal.connect();
    sandbox.terminal.resize(ws, 100, 30);
    sandbox.terminal.sendInput(ws, 'stty size\nexit\n');
    const messages = await drain(sandbox.terminal.output(ws));
    ws.close();
    const printed = messages.map((m) => (m as { data?: string }).data ?? '').join('');
    expect(printed).toMatch(/\r30 100\r\n/);
    expect(messages.at(-1)).toMatchObject({ type: 'exit', code: 0 });
  });

  it('watches files: a file it writes shows up as created', async () => {
    const changes: { type: string; path?: string; event?: string }[] = [];
    const watching = drain(sandbox.watchFiles('/workspace'), 10_000, (change) => {
      changes.push(change);
      return change.path === '/workspace/from-the-sdk.txt';
    });
    // No message acknowledges the watch: write probes until one is seen, then the file itself.
    await waitFor('the watch to see a probe', async () => {
      await sandbox.files.write(`/workspace/.probe-${Date.now()}`, 'probe');
      return changes.some((c) => c.path?.startsWith('/workspace/.probe-'));
    });
    await sandbox.files.write('/workspace/from-the-sdk.txt', 'hello');
    await watching;
    expect(changes.at(-1)).toMatchObject({ type: 'change', path: '/workspace/from-the-sdk.txt', event: 'created' });
  });
});
