// The benchmark results as people read them: rows for the terminal, a Markdown table for the
// README, and the line naming the machine they were measured on.
import { cpus, platform, release, totalmem } from 'node:os';

export function machine() {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown CPU',
    cores: cores.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
  };
}

export function machineLine(m) {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}`;
}

const number = (value) => (value === null ? '' : value.toLocaleString('en'));
const met = (row) => (row.met === null ? '' : row.met ? 'yes' : 'NO');

/** One row per measurement, the columns in the order they are read. */
export function readableRows(rows) {
  return rows.map((row) => ({
    area: row.area,
    measure: row.measure,
    measured: `${number(row.value)} ${row.unit}`,
    baseline: row.baseline === null ? '' : `${row.baseline}: ${number(row.baselineValue)} ${row.unit}`,
    'speed vs baseline': row.ratio === null ? '' : `${row.ratio.toFixed(2)}×`,
    target: row.target ?? '',
    met: met(row),
  }));
}

export function markdownTable(results) {
  const rows = readableRows(results.rows);
  const columns = Object.keys(rows[0] ?? {});
  const cell = (text) => String(text).replaceAll('|', '\\|');
  return [
    `Measured ${results.measuredAt.slice(0, 10)} on ${machineLine(results.machine)} (\`npm run bench\`, \`bench/results.json\`).`,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((c) => cell(row[c])).join(' | ')} |`),
  ].join('\n');
}
