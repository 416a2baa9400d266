// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON report.
import { existsSync, readFileSync } from 'node:fs';

const reportPath = process.argv[2] ?? '.tmp/vitest-report.json';
if (!existsSync(reportPath)) {
  console.log('0 passed, 1 failed');
  console.error(`no test report at ${reportPath}: the test run did not finish`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
// A file that fails to load has no test results but must still count as a failure.
const brokenSuites = report.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
const skipped = report.numPendingTests + report.numTodoTests;
const failed = report.numFailedTests + brokenSuites;
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
