// The sandbox's environment variables on the local HopX: set at creation, merged, replaced and
// cleared through /env, inherited by every later run of the sandbox (with the real values, though
// /env masks secret-looking ones as the spec describes), and refused when no process could hold them.
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../src/index.js';
import { useLocalHopx } from './local-harness.js';

const local = useLocalHopx();

describe('environment variables on the local HopX', () => {
  it('starts with the variables given at creation, merges with PATCH, replaces with PUT, clears with DELETE', async () => {
    const { agent } = await local.sandbox({ env_vars: { FROM_CREATE: 'yes' } });
    expect(await agent.GET('/env')).toMatchObject({ env_vars: { FROM_CREATE: 'yes' }, count: 1 });
    const merged = await agent.PATCH('/env', { body: { env_vars: { ADDED: '1' }, merge: true } });
    expect(merged).toMatchObject({ success: true, count: 2, env_vars: { FROM_CREATE: 'yes', ADDED: '1' } });
    // A missing `merge` means true on PATCH.
    await agent.PATCH('/env', { body: { env_vars: { ADDED: '2' } } });
    expect((await agent.GET('/env')).env_vars).toEqual({ FROM_CREATE: 'yes', ADDED: '2' });
    const replaced = await agent.PUT('/env', { body: { env_vars: { ONLY: 'this' } } });
    expect(replaced).toMatchObject({ success: true, count: 1, env_vars: { ONLY: 'this' } });
    expect((await agent.GET('/env')).env_vars).toEqual({ ONLY: 'this' });
    expect(await agent.DELETE('/env')).toMatchObject({ success: true, count: 0 });
    expect(await agent.GET('/env')).toMatchObject({ env_vars: {}, count: 0 });
  });

  it('masks secret-looking values in its answers, while runs get the real values', async () => {
    const { agent } = await local.sandbox();
    const secrets = {
      API_KEY: 'sk-123',
      db_password: 'hunter2',
      GithubToken: 'ghp_x',
      MY_SECRET: 's',
      PLAIN: 'visible',
    };
    const answer = await agent.PUT('/env', { body: { env_vars: secrets } });
    const masked = {
      API_KEY: '***MASKED***',
      db_password: '***MASKED***',
      GithubToken: '***MASKED***',
      MY_SECRET: '***MASKED***',
      PLAIN: 'visible',
    };
    expect(answer?.env_vars).toEqual(masked);
    expect((await agent.GET('/env')).env_vars).toEqual(masked);
    const run = await agent.POST('/commands/run', {
      body: { command: 'bash', args: ['-c', 'printf "%s|%s|%s" "$API_KEY" "$db_password" "$PLAIN"'] },
    });
    expect(run.stdout).toBe('sk-123|hunter2|visible');
  });

  it('gives every later run the variables, and a run its own env on top', async () => {
    const { agent } = await local.sandbox();
    await agent.PATCH('/env', { body: { env_vars: { GREETING: 'hello', TARGET: 'sandbox' }, merge: true } });
    const run = await agent.POST('/commands/run', {
      body: { command: 'bash', args: ['-c', 'echo "$GREETING $TARGET"'], env: { TARGET: 'run' } },
    });
    expect(run.stdout).toBe('hello run\n');
    await agent.DELETE('/env');
    const after = await agent.POST('/commands/run', {
      body: { command: 'bash', args: ['-c', 'if [ -z "$GREETING" ]; then echo unset; fi'] },
    });
    expect(after.stdout).toBe('unset\n');
  });

  it('drops a change stamped earlier than one already applied', async () => {
    const { agent } = await local.sandbox();
    await agent.PUT('/env', { body: { env_vars: { VERSION: 'new' }, timestamp: '2030-01-01T00:00:02Z' } });
    const late = await agent.PUT('/env', { body: { env_vars: { VERSION: 'old' }, timestamp: '2030-01-01T00:00:01Z' } });
    expect(late).toMatchObject({ success: false, env_vars: { VERSION: 'new' } });
    const patch = await agent.PATCH('/env', {
      body: { env_vars: { VERSION: 'older' }, merge: true, timestamp: '2030-01-01T00:00:00Z' },
    });
    expect(patch).toMatchObject({ success: false });
    expect((await agent.GET('/env')).env_vars).toEqual({ VERSION: 'new' });
    // Unstamped changes always apply.
    await agent.PATCH('/env', { body: { env_vars: { VERSION: 'unstamped' }, merge: true } });
    expect((await agent.GET('/env')).env_vars).toEqual({ VERSION: 'unstamped' });
  });

  it('replaces on PATCH with an explicit merge: false', async () => {
    const { agent } = await local.sandbox({ env_vars: { KEPT: 'no' } });
    await agent.PATCH('/env', { body: { env_vars: { ONLY: 'one' }, merge: false } });
    expect((await agent.GET('/env')).env_vars).toEqual({ ONLY: 'one' });
  });

  it('refuses names and values no process environment can hold, and changes nothing', async () => {
    const { agent } = await local.sandbox({ env_vars: { SAFE: '1' } });
    const refused: Record<string, string>[] = [{ 'A=B': 'x' }, { '': 'x' }, { NUL: 'a\0b' }];
    for (const env_vars of refused) {
      await expect(agent.PUT('/env', { body: { env_vars } })).rejects.toBeInstanceOf(BadRequestError);
      await expect(agent.PATCH('/env', { body: { env_vars, merge: true } })).rejects.toBeInstanceOf(BadRequestError);
    }
    expect((await agent.GET('/env')).env_vars).toEqual({ SAFE: '1' });
  });
});
