import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HyperProcess, csvLine, readHyperTable, writeHyperFile } from '../../../connectors/hyper';
import { TableauMappingThread } from '../../../destinations/tableau/mapping-thread';
import { stageBatch, stagedCsvLine, type StageInput } from '../../../destinations/tableau/staged';
import type { StagedTableChanges } from '../../../db/tableau';
import { TABLEAU_TABLES, emptyDataSourceTables, tableauChanges } from '../../../mapping/tableau';

const ctx = { accountId: 'acc', businessId: 7, syncedAt: '2026-01-02T03:04:05Z', batchId: 'b1' };
const invoice = (id: number, over: Record<string, unknown> = {}) => ({
  id, invoice_number: `A-${id}`, customerid: 5, organization: 'Acme, "Ltd"', currency_code: 'EUR', amount: { amount: '10.55', code: 'EUR' },
  create_date: '2026-03-02', updated: '2026-03-02 10:11:12', vis_state: 0, status: 2, po_number: 'line\nbreak',
  lines: [{ lineid: 1, name: 'Design', qty: '2', unit_cost: { amount: '5.25', code: 'EUR' }, amount: { amount: '10.50', code: 'EUR' } }],
  ...over,
});
const input: StageInput = { entity: 'invoices', records: [invoice(11), invoice(12), invoice(13, { vis_state: 1 })], tombstones: [{ recordId: '14' }], ctx };

describe('Tableau first-sync staging off the main thread', () => {
  test('a staged batch carries each row as the CSV line the publish writes, with the keys and groups Update Data would use', () => {
    const staged = stageBatch(input);
    const tables = JSON.parse(staged.json) as StagedTableChanges[];
    const changes = tableauChanges(input.entity, input.records, input.tombstones, ctx);
    assert.equal(staged.tables, changes.length);
    assert.equal(staged.rows, changes.reduce((n, c) => n + c.rows.length + c.deletes.length, 0));
    const invoices = tables.find((t) => t.table === 'Invoices')!;
    const expected = changes.find((c) => c.table === 'Invoices')!;
    assert.deepEqual(invoices.rows.map((r) => r.key), ['["11"]', '["12"]']);
    assert.deepEqual(invoices.rows.map((r) => r.row), expected.rows.map((r) => csvLine('Invoices', TABLEAU_TABLES.Invoices.columns, r)));
    assert.deepEqual(invoices.deleteKeys, ['["13"]', '["14"]']);
    assert.deepEqual(tables.find((t) => t.table === 'InvoiceLines')!.deleteGroups, ['11', '12', '13', '14']);
    // A row staged as an object by an older worker becomes the same line at the publish.
    assert.equal(stagedCsvLine('Invoices', expected.rows[0]!), invoices.rows[0]!.row);
    assert.deepEqual(stageBatch({ ...input, records: [], tombstones: [] }), { json: '[]', tables: 0, rows: 0 });
  });

  test('the mapping thread stages exactly what the inline mapping does, and a thread that dies leaves no batch unanswered', async () => {
    const thread = new TableauMappingThread();
    try {
      const many = { ...input, records: Array.from({ length: 200 }, (_, i) => invoice(100 + i)) };
      const [a, b] = await Promise.all([thread.stage(input), thread.stage(many)]);
      assert.deepEqual(a, stageBatch(input));
      assert.deepEqual(b, stageBatch(many));
      // Answered by the thread, not by the inline fallback (which runs only once the thread is gone).
      const worker = () => (thread as unknown as { worker?: { threadId: number; terminate(): Promise<number> } }).worker;
      assert.ok(worker() && worker()!.threadId > 0, 'the thread is up and answered');
      // A value the Hyper column cannot hold fails the batch with the writer's error, not the thread.
      await assert.rejects(thread.stage({ ...input, records: [invoice(15, { amount: { amount: '1.23456', code: 'EUR' } })] }), (e: Error) => e.name === 'HyperValueError' && /Amount/.test(e.message));
      assert.deepEqual(await thread.stage(input), stageBatch(input));
      // Killed under a batch: the batch is mapped inline, and the next one starts a new thread.
      const pending = thread.stage(many);
      await worker()!.terminate();
      assert.deepEqual(await pending, stageBatch(many));
      assert.deepEqual(await thread.stage(input), stageBatch(input));
    } finally {
      await thread.close();
    }
  });

  test('the thread keeps a process alive while a batch is out, and never once it is idle', async () => {
    // A child stages one batch and never closes the thread: it must print the answer, then exit by itself.
    const script = `const { TableauMappingThread } = require('./destinations/tableau/mapping-thread');
      new TableauMappingThread().stage(${JSON.stringify(input)}).then((b) => console.log('rows=' + b.rows));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: join(__dirname, '../../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(timer);
    assert.equal(signal, null, 'exited by itself, not killed after 60 s');
    assert.equal(code, 0);
    assert.equal(out.trim(), `rows=${stageBatch(input).rows}`);
  });

  describe('the publish file from CSV lines', () => {
    const hyper = new HyperProcess();
    let dir: string;
    before(async () => { dir = await mkdtemp(join(tmpdir(), 'tableau-staged-')); });
    after(async () => {
      await hyper.stop();
      await rm(dir, { recursive: true, force: true });
    });

    test('holds the same rows as one written from the row objects', async () => {
      const changes = tableauChanges(input.entity, input.records, [], ctx);
      const fromRows = emptyDataSourceTables().map((t) => ({ ...t, rows: changes.find((c) => c.table === t.name)?.rows ?? [] }));
      const staged = JSON.parse(stageBatch(input).json) as StagedTableChanges[];
      const fromLines = emptyDataSourceTables().map((t) => ({ name: t.name, columns: t.columns, csvLines: (staged.find((s) => s.table === t.name)?.rows ?? []).map((r) => r.row as string) }));
      const [p1, p2] = [join(dir, 'rows.hyper'), join(dir, 'lines.hyper')];
      const w1 = await writeHyperFile(p1, fromRows, { hyper });
      const w2 = await writeHyperFile(p2, fromLines, { hyper });
      assert.deepEqual(w2.tables, w1.tables);
      for (const t of ['Invoices', 'InvoiceLines']) {
        const rows = await readHyperTable(p2, t, { hyper });
        assert.equal(rows.length, t === 'Invoices' ? 2 : 2);
        assert.deepEqual(rows, await readHyperTable(p1, t, { hyper }));
      }
    });
  });
});
