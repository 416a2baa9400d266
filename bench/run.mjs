// `npm run bench`: every benchmark, each reporting ratios measured in this one run.
import { uploadMemory } from './upload-memory.mjs';

const results = [await uploadMemory()];
if (results.includes(false)) process.exitCode = 1;
