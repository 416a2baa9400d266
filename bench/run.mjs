// `npm run bench`: every benchmark, each reporting ratios measured in this one run.
import { callOverhead } from './call-overhead.mjs';
import { localHopx } from './local-hopx.mjs';
import { specDiff } from './spec-diff.mjs';
import { uploadMemory } from './upload-memory.mjs';

const results = [await callOverhead(), await uploadMemory(), (await localHopx()).ok, await specDiff()];
if (results.includes(false)) process.exitCode = 1;
