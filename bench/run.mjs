// `npm run bench`: every benchmark, each a ratio measured side by side in this one run. Prints one
// table, writes bench/results.json and puts the table in the README between its bench markers.
import { readFileSync, writeFileSync } from 'node:fs';
import { callOverhead } from './call-overhead.mjs';
import { fileTransfers } from './files.mjs';
import { localHopx } from './local-hopx.mjs';
import { machine, machineLine, markdownTable, readableRows } from './results-table.mjs';
import { specDiff } from './spec-diff.mjs';
import { sseThroughput } from './sse.mjs';
import { websocketThroughput } from './websocket.mjs';

const benchmarks = {
  'typed call': callOverhead,
  SSE: sseThroughput,
  WebSocket: websocketThroughput,
  files: fileTransfers,
  'local HopX': localHopx,
  'spec diff': specDiff,
};

const rows = [];
const broken = [];
for (const [name, run] of Object.entries(benchmarks)) {
  process.stderr.write(`measuring: ${name}\n`);
  try {
    rows.push(...(await run()));
  } catch (error) {
    broken.push(name);
    console.error(`${name}: the benchmark could not measure: ${error?.stack ?? error}`);
  }
}

const results = { measuredAt: new Date().toISOString(), machine: machine(), rows };
console.log(`\n${machineLine(results.machine)}`);
console.table(readableRows(rows));
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);

const readmeUrl = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmeUrl, 'utf8');
const start = '<!-- bench-table:start -->';
const end = '<!-- bench-table:end -->';
if (readme.includes(start) && readme.includes(end) && broken.length === 0) {
  const before = readme.slice(0, readme.indexOf(start) + start.length);
  const after = readme.slice(readme.indexOf(end));
  writeFileSync(readmeUrl, `${before}\n${markdownTable(results)}\n${after}`);
}

const unmet = rows.filter((row) => row.met === false);
const targets = rows.filter((row) => row.met !== null);
console.log(`${targets.length - unmet.length} of ${targets.length} targets met`);
for (const row of unmet) console.log(`  not met: ${row.area}: ${row.measure} (${row.target})`);
if (broken.length) {
  console.log(`could not measure: ${broken.join(', ')}`);
  process.exitCode = 1;
}
