/**
 * The FreshBooks sandbox of bench/reconcile-walk.ts, in its own process so its CPU is counted apart from
 * the walk's: seeded with --invoices invoices, it tells its parent (IPC) its URL, account and a token, then
 * answers `{ op: 'start' }` / `{ op: 'stop' }` with its CPU seconds and (with a profile dir) a CPU profile
 * of the window between them.
 */
import { createFreshBooksSandbox } from '../sandbox/freshbooks';
import { cpuSeconds, startProfile, type WindowProfiler } from './cpu-profiler';

async function main(): Promise<void> {
  const invoices = Number(process.argv[2] ?? 100_000);
  const profileDir = process.argv[3] || undefined;
  const sb = createFreshBooksSandbox({ scale: { invoices } });
  const running = await sb.listen();
  const [big] = sb.state.accountingMemberships();
  const token = sb.state.issueTokens().access_token;
  let cpu0 = 0;
  let profiler: WindowProfiler | undefined;
  process.on('message', (m: { op: string; name?: string }) => {
    void (async () => {
      if (m.op === 'start') {
        if (profileDir) profiler = await startProfile(profileDir, m.name ?? 'sandbox');
        cpu0 = cpuSeconds();
        process.send!({ op: 'started' });
      } else if (m.op === 'stop') {
        const cpu = cpuSeconds() - cpu0;
        const file = profiler ? await profiler.stop() : undefined;
        profiler = undefined;
        process.send!({ op: 'stopped', cpu, file });
      } else if (m.op === 'exit') {
        await running.close();
        process.exit(0);
      }
    })();
  });
  process.send!({ op: 'ready', url: running.url, accountId: big!.business.accountId, businessId: big!.business.businessId, token, invoices: sb.state.counts.primary.invoices });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
