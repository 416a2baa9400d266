// Type tests: an open set of strings (SandboxStatus, ErrorCode, TemplateStatus, TemplateBuildStatus,
// BackgroundProcessStatus) keeps its known values as literals, so editors autocomplete them, yet takes
// any other string, so a value the platform adds later still compiles. Not any type: a number does not.
import { describe, expectTypeOf, test } from 'vitest';
import type {
  BackgroundProcessStatus,
  ErrorCode,
  HopxApiError,
  SandboxEvent,
  SandboxStatus,
  TemplateBuildStatus,
  TemplateStatus,
  ThrowingControlPlaneClient,
} from '../../src/index.js';

declare const controlPlane: ThrowingControlPlaneClient;

describe('open sets of strings', () => {
  test('keep the known values as literals (autocompletion), plus any string', () => {
    expectTypeOf<SandboxStatus>().toEqualTypeOf<'creating' | 'running' | 'paused' | 'stopped' | (string & {})>();
    expectTypeOf<TemplateBuildStatus>().toEqualTypeOf<
      'building' | 'active' | 'success' | 'completed' | 'failed' | (string & {})
    >();
    // The literals survive: the type has not collapsed to plain `string`.
    expectTypeOf<Extract<SandboxStatus, 'running'>>().toEqualTypeOf<'running'>();
    expectTypeOf<Extract<ErrorCode, 'FILE_NOT_FOUND'>>().toEqualTypeOf<'FILE_NOT_FOUND'>();
    expectTypeOf<Extract<TemplateStatus, 'publishing'>>().toEqualTypeOf<'publishing'>();
    expectTypeOf<Extract<BackgroundProcessStatus, 'queued'>>().toEqualTypeOf<'queued'>();
    expectTypeOf<Extract<SandboxEvent['type'], 'sandbox.deleted'>>().toEqualTypeOf<'sandbox.deleted'>();
  });

  test('accept a known value and a value added after this client', () => {
    const known: SandboxStatus = 'running';
    const added: SandboxStatus = 'hibernating';
    const code: ErrorCode = 'QUOTA_EXCEEDED';
    const pending: TemplateBuildStatus = 'pending';
    expectTypeOf(known).toExtend<SandboxStatus>();
    expectTypeOf([added, code, pending]).toExtend<string[]>();
    controlPlane.GET('/v1/sandboxes', { params: { query: { status: 'hibernating' } } });
  });

  test('do not accept a number or other non-strings', () => {
    // @ts-expect-error a SandboxStatus is a string
    const status: SandboxStatus = 1;
    // @ts-expect-error an ErrorCode is a string
    const code: ErrorCode = 404;
    // @ts-expect-error a TemplateBuildStatus is a string
    const build: TemplateBuildStatus = null;
    expectTypeOf([status, code, build]).not.toBeAny();
  });

  test("the client's error code is the same open set", () => {
    expectTypeOf<HopxApiError['code']>().toEqualTypeOf<ErrorCode | undefined>();
  });
});
