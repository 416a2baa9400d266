// Type tests: the stream and file helpers that talk to a sandbox take an agent client (either
// calling style) and nothing else: a Control Plane client, or any other object, does not compile.
// And `RichOutput` means the spec's schema, `DisplayData` the decoded view of one.
import { describe, expectTypeOf, test } from 'vitest';
import {
  type AgentClient,
  type ControlPlaneClient,
  type components,
  type DisplayData,
  downloadFile,
  openAgentSocket,
  openTerminal,
  type RichOutput,
  runCode,
  streamExecution,
  type ThrowingAgentClient,
  type ThrowingControlPlaneClient,
  uploadFile,
  watchFiles,
} from '../../src/index.js';

declare const agent: AgentClient;
declare const agentOrThrow: ThrowingAgentClient;
declare const controlPlane: ControlPlaneClient;
declare const controlPlaneOrThrow: ThrowingControlPlaneClient;

describe('helpers take agent clients only', () => {
  test('either style of agent client is accepted', () => {
    expectTypeOf(runCode).toBeCallableWith(agent, { code: 'print(1)' });
    expectTypeOf(runCode).toBeCallableWith(agentOrThrow, { code: 'print(1)' });
    expectTypeOf(openTerminal).toBeCallableWith(agentOrThrow);
    expectTypeOf(watchFiles).toBeCallableWith(agent, '/workspace');
  });

  test('a Control Plane client is refused by every helper', () => {
    // @ts-expect-error the Control Plane has no /execute/stream
    void runCode(controlPlane, { code: 'print(1)' });
    // @ts-expect-error
    void streamExecution(controlPlaneOrThrow, { code: 'print(1)' });
    // @ts-expect-error
    void openTerminal(controlPlane);
    // @ts-expect-error
    void watchFiles(controlPlaneOrThrow);
    // @ts-expect-error
    void openAgentSocket(controlPlane, '/terminal');
    // @ts-expect-error
    void uploadFile(controlPlane, '/workspace/a', new Blob([]));
    // @ts-expect-error
    void downloadFile(controlPlaneOrThrow, '/workspace/a');
  });

  test('any other object is refused too', () => {
    // @ts-expect-error
    void runCode({}, { code: 'print(1)' });
  });
});

describe('one name, one meaning', () => {
  test("RichOutput is the spec's schema; DisplayData is the decoded view", () => {
    expectTypeOf<RichOutput>().toEqualTypeOf<components['schemas']['RichOutput']>();
    expectTypeOf<DisplayData>().not.toEqualTypeOf<RichOutput>();
    expectTypeOf<Extract<DisplayData, { type: 'image/png' }>>().toEqualTypeOf<{ type: 'image/png'; base64: string }>();
  });
});
