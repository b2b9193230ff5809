import { Command, CommanderError, Option } from 'commander';
import type { ReconciliationReport } from '../contracts/reconciliation';
import { ApiClient, ApiError, UnreachableError } from './api-client';
import { resolveTarget } from './config';
import { EXIT, EXIT_CODES_HELP, UsageError, type ExitCode } from './exit-codes';
import * as view from './views';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  home?: string;
  /** Asks on the terminal; undefined when there is no terminal to ask on. */
  ask?(question: string): Promise<string>;
}

interface GlobalOptions { url?: string; config?: string; json?: boolean }

const ORDER_STATES = ['skipped', 'invoiced', 'needs_attention', 'failed'];

/** The path segment as the API expects it: ids never contain '/', but a typo must not become another route. */
const seg = (s: string) => encodeURIComponent(s);

/**
 * Runs one command line and returns its exit status. Nothing here exits the process or touches
 * stdout directly, so the whole surface is testable in-process; `cli/main.ts` wires it to the terminal.
 */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  let client: ApiClient | undefined;
  let token: string | undefined;
  const program = new Command('ml-connector');
  const api = (): ApiClient => {
    if (!client) {
      const g = program.opts<GlobalOptions>();
      const target = resolveTarget({ urlFlag: g.url, configPath: g.config, env: io.env, ...(io.home ? { home: io.home } : {}) });
      token = target.token;
      client = new ApiClient(target);
    }
    return client;
  };
  /** `--json` prints the API's answer as it came; otherwise the readable form. */
  const show = <T>(answer: T, readable: (a: T) => string) => {
    io.out(program.opts<GlobalOptions>().json ? JSON.stringify(answer ?? null, null, 2) : readable(answer));
  };

  program
    .description('Operate ml-connector through its admin API: connections, FreshBooks authorization, store orders, reconciliation.')
    .option('--url <url>', 'API base URL (default: $ML_CONNECTOR_URL, the config file, or http://127.0.0.1:8080)')
    .option('--config <path>', 'config file with {"url", "token"} (default: ~/.config/ml-connector/config.json)')
    .option('--json', "print the API's JSON answer instead of tables")
    .addHelpText('after', `
The admin token is read from $ML_CONNECTOR_TOKEN, then $ADMIN_TOKEN, then the config file's "token";
it has no flag, so it never appears in a process list.

${EXIT_CODES_HELP}`)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .showHelpAfterError('(run with --help for usage)');

  const connections = program.command('connections').description('list, inspect and act on connections');
  connections.command('list').description('every connection, one line each')
    .action(async () => show(await api().get<{ connections: view.ConnectionView[] }>('/api/connections'), (a) => view.connectionList(a.connections)));
  connections.command('show <id>').description("a connection's configuration, workflow state, recent runs and deliveries")
    .action(async (id: string) => show(await api().get<view.ConnectionDetailView>(`/api/connections/${seg(id)}`), view.connectionDetail));
  connections.command('sync <id>').description('sync now (a store sweeps)')
    .option('--full', 'read everything again instead of changes since the cursor')
    .action(async (id: string, o: { full?: boolean }) => show(
      await api().post<{ accepted: boolean; mode: string }>(`/api/connections/${seg(id)}/sync`, { mode: o.full ? 'full' : 'incremental' }),
      (a) => `sync requested for ${id} (${a.mode})`));
  connections.command('pause <id>').description('stop polling and deliveries until resumed; changes queue meanwhile')
    .action(async (id: string) => show(await api().post(`/api/connections/${seg(id)}/pause`), () => `${id} paused`));
  connections.command('resume <id>').description('resume a paused connection')
    .action(async (id: string) => show(await api().post(`/api/connections/${seg(id)}/resume`), () => `${id} resumed`));
  connections.command('redeliver <id>').description('send records to the destination again: one record, or those updated in a window')
    .requiredOption('--entity <entity>', 'FreshBooks entity, e.g. invoices, clients, payments')
    .option('--record <recordId>', 'one record by its FreshBooks id')
    .addOption(new Option('--from <iso>', 'window start (ISO 8601 with offset), by the record\'s updated time').conflicts('record'))
    .option('--to <iso>', 'window end (default: now); needs --from')
    .action(async (id: string, o: { entity: string; record?: string; from?: string; to?: string }) => {
      if (o.record === undefined && o.from === undefined) throw new UsageError('give --record ID or --from ISO');
      if (o.to !== undefined && o.from === undefined) throw new UsageError('--to needs --from');
      const body = o.record !== undefined ? { entity: o.entity, recordId: o.record } : { entity: o.entity, from: o.from, ...(o.to ? { to: o.to } : {}) };
      show(await api().post(`/api/connections/${seg(id)}/redeliver`, body),
        () => `redelivery requested for ${id}: ${o.entity} ${o.record !== undefined ? `record ${o.record}` : `updated from ${o.from}${o.to ? ` to ${o.to}` : ''}`}`);
    });
  connections.command('delete <id>').description('delete a connection: its workflow stops and its callbacks and hooks are removed')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .action(async (id: string, o: { yes?: boolean }) => {
      if (!o.yes) {
        if (!io.ask) throw new UsageError('deleting needs confirmation: pass --yes when there is no terminal to ask on');
        const typed = (await io.ask(`Delete connection ${id}? Type its id to confirm: `)).trim();
        if (typed !== id) throw new UsageError('not confirmed; nothing was deleted');
      }
      await api().delete(`/api/connections/${seg(id)}`);
      show({ deleted: true, id }, () => `${id} deleted`);
    });

  program.command('authorize').description('start a FreshBooks authorization and print the URL to open in a browser')
    .option('--reauthorize <grantId>', 'authorize an existing grant again (connections in needs_reauth resume)')
    .action(async (o: { reauthorize?: string }) => show(
      await api().post<{ authorizeUrl: string; state: string }>('/api/freshbooks/authorizations', o.reauthorize ? { reauthorizeGrantId: o.reauthorize } : {}),
      (a) => a.authorizeUrl));

  const orders = program.command('orders').description("a BigCommerce store connection's orders");
  orders.command('list <connectionId>').description('orders and where each stands in FreshBooks')
    .addOption(new Option('--state <state>', 'only orders in this state').choices(ORDER_STATES))
    .option('--after <orderId>', 'orders after this id (paging)')
    .option('--limit <n>', 'at most this many (1-1000)')
    .action(async (connectionId: string, o: { state?: string; after?: string; limit?: string }) => {
      const q = new URLSearchParams({ ...(o.state ? { state: o.state } : {}), ...(o.after ? { after: o.after } : {}), ...(o.limit ? { limit: o.limit } : {}) }).toString();
      show(await api().get<view.OrderListView>(`/api/connections/${seg(connectionId)}/orders${q ? `?${q}` : ''}`), view.orderList);
    });
  orders.command('show <connectionId> <orderId>').description("one order's outcome and the steps that led to it")
    .action(async (connectionId: string, orderId: string) => show(await api().get<view.OrderDetailView>(`/api/connections/${seg(connectionId)}/orders/${seg(orderId)}`), view.orderDetail));
  orders.command('retry <connectionId> <orderId>').description('look at the order again from scratch (every write is looked up first)')
    .action(async (connectionId: string, orderId: string) => show(
      await api().post(`/api/connections/${seg(connectionId)}/orders/${seg(orderId)}/retry`), () => `retry requested for order ${orderId}`));

  program.command('reconcile <connectionId>').description("compare the destination with the source now and print the report (exit 0 whatever it finds; read its status)")
    .action(async (connectionId: string) => show(await api().post<ReconciliationReport>(`/api/connections/${seg(connectionId)}/reconcile`), view.reconciliation));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    return failure(err, io, token);
  }
}

function failure(err: unknown, io: CliIo, token: string | undefined): ExitCode {
  // Commander has already printed its own message (and help after `--help` / `--version`).
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const say = (m: string) => io.err(`error: ${token ? m.split(token).join('***') : m}`);
  if (err instanceof UsageError) { say(err.message); return EXIT.usage; }
  if (err instanceof ApiError) { say(err.message); return err.exitCode; }
  if (err instanceof UnreachableError) { say(err.message); return err.exitCode; }
  // Not our error: its name only, since a message from deep inside may carry anything.
  say(`unexpected ${(err as Error)?.name ?? 'error'}`);
  return EXIT.unexpected;
}
