// `npm run bench`: every benchmark, each reporting ratios measured in this one run.
import { callOverhead } from './call-overhead.mjs';
import { uploadMemory } from './upload-memory.mjs';

const results = [await callOverhead(), await uploadMemory()];
if (results.includes(false)) process.exitCode = 1;
