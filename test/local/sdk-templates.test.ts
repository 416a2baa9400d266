// The official JavaScript SDK (@hopx-ai/sdk), unchanged, builds a template against the local HopX
// with its own Template builder (hash, tar, upload link, PUT, build, JSON log polling, status
// polling, waiting for `active` twice), then creates a sandbox from it and finds there what the
// build's steps made.
import { Sandbox, Template } from '@hopx-ai/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { contextDir, removeDir } from './builds-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();
let context: string;

beforeAll(async () => {
  context = await contextDir({
    'data.txt': 'copied by the SDK\n',
    'app/main.py': 'print("the app")\n',
  });
});

afterAll(() => removeDir(context));

it('builds a template with the SDK and starts a sandbox from it', async () => {
  const template = new Template('python:3.11-slim')
    .copy('data.txt', '/workspace/data.txt')
    .copy('app/', '/opt/app/')
    .setEnv('GREETING', 'hello from the SDK template')
    .setWorkdir('/opt/app')
    .runCmd('echo "built in $(pwd)"; ls; echo made > run-output.txt');
  const logs: Array<{ level?: string; message: string }> = [];
  const built = await Template.build(template, {
    name: 'sdk-built',
    apiKey: harness.local.apiKey,
    baseURL: harness.local.url,
    contextPath: context,
    onLog: (entry: { level?: string; message: string }) => logs.push(entry),
  });
  expect(built.buildID).not.toBe(built.templateID);

  const messages = logs.map((entry) => entry.message);
  expect(messages).toContain('built in /opt/app');
  expect(messages).toEqual(expect.arrayContaining(['main.py']));
  expect(messages).toContain('Step 5/5: RUN echo "built in $(pwd)"; ls; echo made > run-output.txt');
  // The SDK hashes mtimes with their fraction of a millisecond: the store says it cannot re-derive that.
  expect(messages.filter((m) => m.includes('files_hash') && m.includes('not re-derived'))).toHaveLength(2);
  expect(logs.find((entry) => entry.message.startsWith('⚠ FROM python:3.11-slim'))?.level).toBe('WARN');
  expect(messages.some((m) => m.startsWith('✅ Build completed'))).toBe(true);

  const vm = await built.createVM({});
  try {
    expect(vm.templateID).toBe(built.templateID);
    const sandbox = await Sandbox.connect(vm.vmID, harness.local.apiKey, harness.local.url);
    const result = await sandbox.commands.run(
      'cat /workspace/data.txt /opt/app/main.py /opt/app/run-output.txt; echo "$GREETING"',
    );
    expect(result.stdout).toBe('copied by the SDK\nprint("the app")\nmade\nhello from the SDK template\n');
    expect(result.exit_code).toBe(0);
  } finally {
    await vm.delete();
  }
}, 28_000);
