/**
 * Explores, from one table of relationships. A relationship is a reference from one table's column(s)
 * to another's (many rows here -> one row there); an explore lists the tables it joins, and each join's
 * ON clause and cardinality are read off the relationship between it and a table already in the
 * explore. Tables the catalogue does not have yet (the ledger and time-tracking entities) are skipped
 * with every join that needs them, so their explores appear when the tables do.
 */
import { TABLES, type TableSpec } from '../freshbooks';
import { viewNameOf } from './views';
import { block, bare, filters, sql, str, type Node } from './syntax';

export interface Relationship {
  /** The referring table (the "many" side). */
  from: string;
  /** Referring column(s) -> referenced column(s); `account_id` is always added: ids are per account. */
  on: readonly (readonly [fromColumn: string, toColumn: string])[];
  /** The referenced table (the "one" side). */
  to: string;
  description?: string;
}

export const RELATIONSHIPS: readonly Relationship[] = [
  { from: 'invoice_lines', on: [['invoice_id', 'id']], to: 'invoices' },
  { from: 'invoices', on: [['customerid', 'id']], to: 'clients' },
  // FreshBooks invoice lines carry the item's name, not its id.
  { from: 'invoice_lines', on: [['name', 'name']], to: 'items', description: 'matched by item name' },
  { from: 'payments', on: [['invoiceid', 'id']], to: 'invoices' },
  { from: 'payments', on: [['clientid', 'id']], to: 'clients' },
  { from: 'expenses', on: [['categoryid', 'id']], to: 'expense_categories' },
  { from: 'expenses', on: [['accountid', 'id']], to: 'accounts', description: 'the account FreshBooks names on the expense, where it names one' },
  { from: 'expenses', on: [['clientid', 'id']], to: 'clients' },
  { from: 'bills', on: [['vendorid', 'id']], to: 'bill_vendors' },
  { from: 'bill_lines', on: [['bill_id', 'id']], to: 'bills' },
  { from: 'bill_lines', on: [['categoryid', 'id']], to: 'expense_categories' },
  { from: 'journal_entry_details', on: [['accountid', 'id']], to: 'accounts' },
  { from: 'time_entries', on: [['project_id', 'id']], to: 'projects' },
  { from: 'time_entries', on: [['service_id', 'id']], to: 'services' },
  { from: 'time_entries', on: [['client_id', 'id']], to: 'clients' },
  { from: 'projects', on: [['client_id', 'id']], to: 'clients' },
  { from: 'credit_notes', on: [['clientid', 'id']], to: 'clients' },
];

export interface ExploreSpec {
  base: string;
  label: string;
  description: string;
  /** Joined in order; `via` names the table already in the explore to join through when several could. */
  joins: readonly (string | { table: string; via: string })[];
}

export const EXPLORES: readonly ExploreSpec[] = [
  { base: 'invoices', label: 'Invoices', description: 'Invoices with their lines, clients and the items the lines name', joins: ['invoice_lines', 'clients', { table: 'items', via: 'invoice_lines' }] },
  { base: 'payments', label: 'Payments', description: 'Payments with the invoices they pay and their clients', joins: ['invoices', { table: 'clients', via: 'payments' }] },
  { base: 'expenses', label: 'Expenses', description: 'Expenses with their categories, ledger accounts and clients', joins: ['expense_categories', 'accounts', 'clients'] },
  { base: 'bills', label: 'Bills', description: 'Bills with their vendors, lines and the lines\' categories', joins: ['bill_vendors', 'bill_lines', { table: 'expense_categories', via: 'bill_lines' }] },
  { base: 'journal_entry_details', label: 'General ledger', description: 'Ledger lines (debits and credits) with their accounts', joins: ['accounts'] },
  { base: 'time_entries', label: 'Time entries', description: 'Time entries with their projects, services and the projects\' clients', joins: ['projects', 'services', { table: 'clients', via: 'projects' }] },
  { base: 'credit_notes', label: 'Credit notes', description: 'Credit notes with their clients', joins: ['clients'] },
  { base: 'other_incomes', label: 'Other income', description: 'Income recorded outside invoices', joins: [] },
  { base: 'clients', label: 'Clients', description: 'Clients', joins: [] },
];

export interface PlannedJoin {
  table: string;
  relationship: 'many_to_one' | 'one_to_many';
  /** Column pairs: [column of the joined table, column of the table it joins to]. */
  on: [joinedColumn: string, otherColumn: string][];
  other: string;
  description?: string;
}

export interface PlannedExplore {
  spec: ExploreSpec;
  joins: PlannedJoin[];
}

const tableSpec = (key: string): TableSpec | undefined => (TABLES as Readonly<Record<string, TableSpec>>)[key];
const hasColumns = (table: string, columns: string[]): boolean => {
  const spec = tableSpec(table);
  return spec !== undefined && columns.every((c) => spec.columns.some((s) => s.name === c));
};

/** A relationship usable here: both tables in the catalogue with the columns it names (account_id included). */
export function usable(r: Relationship): boolean {
  return hasColumns(r.from, ['account_id', ...r.on.map(([f]) => f)]) && hasColumns(r.to, ['account_id', ...r.on.map(([, t]) => t)]);
}

const inCatalogue = (table: string): boolean => tableSpec(table) !== undefined;

/**
 * The explores the catalogue can serve now, with each join resolved from RELATIONSHIPS. `present` says
 * which tables the warehouse has (a connection syncing some entities only): explores and joins over the
 * others are left out, so the model never names a view that is not generated.
 */
export function planExplores(
  explores: readonly ExploreSpec[] = EXPLORES,
  relationships: readonly Relationship[] = RELATIONSHIPS,
  present: (table: string) => boolean = inCatalogue,
): PlannedExplore[] {
  const has = (table: string) => inCatalogue(table) && present(table);
  const planned: PlannedExplore[] = [];
  for (const spec of explores) {
    if (!has(spec.base)) continue;
    const inExplore = [spec.base];
    const joins: PlannedJoin[] = [];
    for (const j of spec.joins) {
      const [table, via] = typeof j === 'string' ? [j, undefined] : [j.table, j.via];
      if (!has(table) || (via !== undefined && !inExplore.includes(via))) continue;
      const join = resolve(table, via ? [via] : inExplore, relationships);
      if (!join) continue;
      joins.push(join);
      inExplore.push(table);
    }
    planned.push({ spec, joins });
  }
  return planned;
}

/** The first usable relationship between `table` and a table already joined, in either direction. */
function resolve(table: string, candidates: readonly string[], relationships: readonly Relationship[]): PlannedJoin | undefined {
  for (const other of candidates) {
    for (const r of relationships.filter(usable)) {
      const desc = r.description ? { description: r.description } : {};
      if (r.from === other && r.to === table) {
        return { table, other, relationship: 'many_to_one', on: [['account_id', 'account_id'], ...r.on.map(([f, t]) => [t, f] as [string, string])], ...desc };
      }
      if (r.from === table && r.to === other) {
        return { table, other, relationship: 'one_to_many', on: [['account_id', 'account_id'], ...r.on.map(([f, t]) => [f, t] as [string, string])], ...desc };
      }
    }
  }
  return undefined;
}

/** LookML fields are the columns without a leading underscore (views.ts); join columns are all plain. */
const ref = (table: string, column: string) => `\${${viewNameOf(table)}.${column}}`;

export function exploreNodes(e: PlannedExplore): Node {
  const base = viewNameOf(e.spec.base);
  return block('explore', base, [
    str('label', e.spec.label),
    str('group_label', 'FreshBooks'),
    str('description', e.spec.description),
    // Soft-deleted records stay in the views (is_deleted = yes); the explore hides them unless asked.
    block('always_filter', undefined, [filters('filters', [[`${base}.is_deleted`, 'No']])]),
    ...e.joins.map((j) => block('join', viewNameOf(j.table), [
      bare('type', 'left_outer'),
      bare('relationship', j.relationship),
      ...(j.description ? [str('view_label', `FreshBooks ${j.table.replace(/_/g, ' ')} (${j.description})`)] : []),
      sql('sql_on', j.on.map(([mine, theirs]) => `${ref(j.table, mine)} = ${ref(j.other, theirs)}`).join(' AND ')),
    ])),
  ]);
}
