// `npm run mock`: serves the bundled spec with Prism on 127.0.0.1 (request and response validation on).
import { startPrism } from './prism.mjs';

const port = Number(process.env.PORT ?? 4010);
const prism = await startPrism({ port, stdio: 'inherit' });
console.log(
  `Prism mock of the HopX API on ${prism.url} (Control Plane and VM Agent paths both at its root). Ctrl-C stops it.`,
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await prism.stop();
    process.exit(0);
  });
}
