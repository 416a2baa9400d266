import { defineConfig } from 'vitest/config';

// `npm test` runs every project; `npm run test:<project>` runs one (see CONTRIBUTING.md).
// Only the projects whose tests call the Prism mock start it (test/support/global-setup.ts).
const prism = ['./test/support/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // The JSON report is what .ci/run turns into its closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-report.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Pure functions, the spec itself and the type tests: no server, no browser.
          include: ['test/unit/**/*.test.ts', 'test/spec/**/*.test.ts', 'test/spec-diff/**/*.test.ts'],
          typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        extends: true,
        test: {
          name: 'contract',
          // The clients against Prism (every operation) and against scripted misbehaving servers.
          include: ['test/contract/**/*.test.ts', 'test/faults/**/*.test.ts'],
          globalSetup: prism,
        },
      },
      {
        extends: true,
        test: {
          name: 'streams-and-files',
          include: ['test/streams/**/*.test.ts', 'test/files/**/*.test.ts'],
          globalSetup: prism,
        },
      },
      {
        extends: true,
        test: {
          name: 'local',
          // The local HopX (src/local/): every operation, real flows, both isolation modes, safety;
          // and the conformance run (npm run verify), which is judged against it.
          include: ['test/local/**/*.test.ts', 'test/verify/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'soak',
          // Thousands of calls and hundreds of streams through scripted faults, then leak checks
          // (handles, timers, listeners, heap): each file runs in its own process, so its counts are its own.
          include: ['test/soak/**/*.test.ts'],
          // heapUsedAfterGc() collects garbage before it measures (test/soak/process-resources.ts).
          execArgv: ['--expose-gc'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser-and-first-run',
          // Headless Chromium, npm start, npm pack: the slow end-to-end group.
          include: ['test/browser/**/*.test.ts', 'test/docs/**/*.test.ts', 'test/first-run/**/*.test.ts'],
          globalSetup: prism,
        },
      },
    ],
  },
});
