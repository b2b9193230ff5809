import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HyperProcess, HyperValueError, describeHyperTable, listHyperTables, readHyperTable, writeHyperFile, type HyperColumn } from '../../../connectors/hyper';

describe('Hyper files through hyperd (no Python)', () => {
  const hyper = new HyperProcess();
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hyper-unit-'));
  });
  after(async () => {
    await hyper.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const invoiceColumns: HyperColumn[] = [
    { name: 'invoice_id', type: 'INT64', nullable: false },
    { name: 'amount', type: 'NUMERIC', precision: 18, scale: 2 },
    { name: 'currency', type: 'STRING' },
    { name: 'client_name', type: 'STRING' },
    { name: 'issued_on', type: 'DATE' },
    { name: 'updated_at', type: 'TIMESTAMP' },
    { name: 'paid', type: 'BOOL' },
    { name: 'rate', type: 'FLOAT64' },
  ];

  test('a multi-table file in schema Extract keeps types, decimals, UTC times and non-ASCII text', async () => {
    const path = join(dir, 'multi.hyper');
    const written = await writeHyperFile(
      path,
      [
        {
          name: 'Invoices',
          columns: invoiceColumns,
          rows: [
            { invoice_id: 1, amount: '5.55', currency: 'USD', client_name: 'Zoë "Ölmeister" Ltd, Ærø — 東京', issued_on: '2024-02-29', updated_at: '2024-03-01T01:30:00-05:00', paid: true, rate: 1.25 },
            { invoice_id: '9007199254740993', amount: '-1234567.89', currency: 'EUR', client_name: '', issued_on: null, updated_at: new Date('2024-03-01T06:30:00.123Z'), paid: false },
          ],
        },
        { name: 'Clients', columns: [{ name: 'client_id', type: 'INT64' }, { name: 'name', type: 'STRING' }], rows: (async function* () { yield { client_id: 7, name: 'line\nbreak, comma' }; })() },
      ],
      { hyper },
    );
    assert.deepEqual(written.tables, [{ name: 'Invoices', rows: 2 }, { name: 'Clients', rows: 1 }]);
    assert.ok(written.bytes > 0 && written.bytes === (await stat(path)).size);

    assert.deepEqual(await listHyperTables(path, { hyper }), [{ schema: 'Extract', name: 'Clients' }, { schema: 'Extract', name: 'Invoices' }]);
    assert.deepEqual(
      (await describeHyperTable(path, 'Invoices', { hyper })).map((c) => c.sqlType),
      ['BIGINT', 'NUMERIC(18,2)', 'TEXT', 'TEXT', 'DATE', 'TIMESTAMP', 'BOOLEAN', 'DOUBLE PRECISION'],
    );
    const rows = await readHyperTable(path, 'Invoices', { hyper });
    assert.deepEqual(rows, [
      { invoice_id: '1', amount: '5.55', currency: 'USD', client_name: 'Zoë "Ölmeister" Ltd, Ærø — 東京', issued_on: '2024-02-29', updated_at: '2024-03-01T06:30:00Z', paid: true, rate: 1.25 },
      { invoice_id: '9007199254740993', amount: '-1234567.89', currency: 'EUR', client_name: '', issued_on: null, updated_at: '2024-03-01T06:30:00.123Z', paid: false, rate: null },
    ]);
    assert.deepEqual(await readHyperTable(path, 'Clients', { hyper }), [{ client_id: '7', name: 'line\nbreak, comma' }]);
  });

  test('a value NUMERIC(p,s) would round is refused, and no file is left behind', async () => {
    const path = join(dir, 'rounding.hyper');
    await assert.rejects(
      writeHyperFile(path, [{ name: 'T', columns: [{ name: 'amount', type: 'NUMERIC', precision: 18, scale: 2 }], rows: [{ amount: '5.555' }] }], { hyper }),
      (e: unknown) => e instanceof HyperValueError && /amount/.test(e.message) && /2 decimal places/.test(e.message),
    );
    await assert.rejects(stat(path), { code: 'ENOENT' });
    // The same connection pool keeps working after a failed COPY.
    await writeHyperFile(path, [{ name: 'T', columns: [{ name: 'amount', type: 'NUMERIC', scale: 6 }], rows: [{ amount: '0.123456' }, { amount: 5.55 }] }], { hyper });
    assert.deepEqual(await readHyperTable(path, 'T', { hyper }), [{ amount: '0.123456' }, { amount: '5.550000' }]);
  });

  test('hyperd is started again after it was killed', async () => {
    await hyper.endpoint();
    const pid = hyper.pid;
    assert.ok(pid);
    const starts = hyper.startCount;
    process.kill(pid, 'SIGKILL');
    // Wait for the exit to be observed, not for a time.
    while (hyper.pid !== undefined) await new Promise((r) => setImmediate(r));
    const path = join(dir, 'after-kill.hyper');
    await writeHyperFile(path, [{ name: 'T', columns: [{ name: 'id', type: 'INT64' }], rows: [{ id: 1 }] }], { hyper });
    assert.equal(hyper.startCount, starts + 1);
    assert.notEqual(hyper.pid, pid);
    assert.deepEqual(await readHyperTable(path, 'T', { hyper }), [{ id: '1' }]);
  });

  test('a process SIGKILLed with a hyperd running leaves no orphan: hyperd exits when its callback connection drops', async () => {
    // A child process starts hyperd and prints its pid; then it is killed with no chance to clean up.
    const script = "const { HyperProcess } = require('./connectors/hyper'); const h = new HyperProcess(); h.endpoint().then(() => console.log(h.pid)); setInterval(() => {}, 1000);";
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: join(__dirname, '../../..'), stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    const [line] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => { throw new Error('the child exited before starting hyperd'); })])) as [Buffer];
    const hyperdPid = Number(line.toString().trim());
    assert.ok(hyperdPid > 0);
    assert.ok(isAlive(hyperdPid));
    child.kill('SIGKILL');
    await once(child, 'exit');
    // Poll for the exit rather than wait a fixed time; the test runner's timeout bounds it.
    while (isAlive(hyperdPid)) await new Promise((r) => setTimeout(r, 20));
  });

  test('stop() ends hyperd with SIGTERM; the next use starts a new one', async () => {
    await hyper.endpoint();
    await hyper.stop();
    assert.equal(hyper.pid, undefined);
    const path = join(dir, 'after-stop.hyper');
    await writeHyperFile(path, [{ name: 'T', columns: [{ name: 'ok', type: 'BOOL' }], rows: [{ ok: true }] }], { hyper });
    assert.deepEqual(await readHyperTable(path, 'T', { hyper }), [{ ok: true }]);
  });
});

/** Whether a pid is a live process (not a zombie: an exited hyperd reparented to init is reaped). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
