import { runWorker } from './run';

runWorker().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
