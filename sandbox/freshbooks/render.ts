/**
 * Compact records → the JSON FreshBooks sends, field names per reference/freshbooks.md §3 and the official
 * SDKs' fixtures. Eastern wall time for accounting `updated`/`created_at`; UTC for client `signup_date` and for
 * bill/vendor `created_at`/`updated_at` (§4). Money as `{amount:"12.50", code}` strings; invoice-line and item
 * quantities and tax percents as strings (§7, §9.12). Bill line `quantity` is a number, as in the Node SDK.
 */
import type { CoreFreshBooksEntity as FreshBooksEntity } from '../../common/freshbooks-entities';
import { dayToDate, formatWall } from './clock';
import {
  billPaid,
  billStatus,
  billTotals,
  invoiceDisplayStatus,
  invoicePaymentStatus,
  invoiceTotals,
  invoiceV3Status,
} from './doc-arithmetic';
import type {
  AccountData,
  AccountRec,
  BillRec,
  CategoryRec,
  ClientRec,
  ExpenseRec,
  InvoiceRec,
  ItemRec,
  PaymentRec,
  RecByEntity,
  VendorRec,
} from './model';
import { centsToString, includedTaxCents, lineCents, money, qtyString, taxCents, type TaxTable } from './money';
import { PLACES, STREETS } from './seed-data';

export interface RenderContext {
  account: AccountData;
  taxes: TaxTable;
  /** Today's Eastern day number (for overdue). */
  todayDay: number;
  /** `include[]=` values on the request. */
  includes: ReadonlySet<string>;
}

type Json = Record<string, unknown>;

function withExtra(base: Json, extra: Json | undefined): Json {
  return extra ? Object.assign(base, extra) : base;
}

export function street(id: number): string {
  return `${100 + ((id * 7919) % 900)} ${STREETS[id % STREETS.length]}`;
}

/** The client's name and address as documents (invoices, credit notes) copy them onto themselves. */
export function documentClientFields(client: ClientRec | undefined): Json {
  const place = PLACES[client?.place ?? 0] ?? PLACES[0]!;
  return {
    fname: client?.fname ?? '',
    lname: client?.lname ?? '',
    organization: client?.org ?? '',
    current_organization: client?.org ?? '',
    street: client ? street(client.id) : '',
    street2: '',
    city: place.city,
    province: place.province,
    country: place.country,
    code: place.code,
  };
}

function renderClient(c: ClientRec, ctx: RenderContext): Json {
  const place = PLACES[c.place] ?? PLACES[0]!;
  return withExtra(
    {
      id: c.id,
      userid: c.id,
      accounting_systemid: ctx.account.business.accountId,
      organization: c.org,
      fname: c.fname,
      lname: c.lname,
      email: c.email,
      username: c.email.split('@')[0],
      currency_code: c.cur,
      language: 'en',
      p_street: street(c.id),
      p_street2: '',
      p_city: place.city,
      p_province: place.province,
      p_country: place.country,
      p_code: place.code,
      s_street: '',
      s_street2: '',
      s_city: '',
      s_province: '',
      s_country: '',
      s_code: '',
      bus_phone: '',
      home_phone: null,
      mob_phone: '',
      fax: '',
      note: null,
      vat_name: null,
      vat_number: null,
      allow_late_fees: true,
      allow_late_notifications: true,
      has_retainer: null,
      retainer_id: null,
      last_activity: null,
      last_login: null,
      level: 0,
      notified: false,
      num_logins: 0,
      pref_email: true,
      pref_gmail: false,
      role: 'client',
      statement_token: null,
      subdomain: null,
      direct_link_token: null,
      company_industry: null,
      company_size: null,
      signup_date: formatWall(c.signup),
      updated: formatWall(c.upd),
      vis_state: c.vis,
    },
    c.extra,
  );
}

function renderItem(i: ItemRec, ctx: RenderContext): Json {
  return withExtra(
    {
      id: i.id,
      itemid: i.id,
      accounting_systemid: ctx.account.business.accountId,
      name: i.name,
      description: i.desc,
      qty: String(i.qty),
      inventory: null,
      unit_cost: money(i.unit, i.cur),
      sku: i.sku,
      tax1: i.tax1 >= 0 ? i.tax1 + 1 : 0,
      tax2: 0,
      updated: formatWall(i.upd),
      vis_state: i.vis,
    },
    i.extra,
  );
}

function renderCategory(c: CategoryRec): Json {
  return withExtra(
    {
      id: c.id,
      categoryid: c.id,
      category: c.name,
      parentid: c.parent || null,
      is_cogs: c.cogs,
      is_editable: c.editable,
      transaction_posted: false,
      created_at: formatWall(c.created),
      updated_at: formatWall(c.upd),
      vis_state: c.vis,
    },
    c.extra,
  );
}

function renderAccount(a: AccountRec): Json {
  return withExtra(
    {
      id: a.id,
      accountid: a.id,
      account_name: a.name,
      account_number: a.number,
      account_type: a.type,
      balance: centsToString(a.balance),
      currency_code: a.cur,
      created_at: formatWall(a.created),
      sub_accounts: a.subs.map((s) => ({
        id: s.id,
        sub_accountid: s.id,
        parentid: a.id,
        account_sub_name: s.name,
        account_sub_number: s.number,
        account_type: a.type,
        balance: '0',
        currency_code: a.cur,
        created_at: formatWall(a.created),
        custom: s.custom,
        transaction_posted: false,
      })),
    },
    a.extra,
  );
}

function renderInvoice(inv: InvoiceRec, ctx: RenderContext): Json {
  const { taxes, account } = ctx;
  const client = account.tables.clients.get(inv.client);
  const totals = invoiceTotals(inv, taxes);
  const body: Json = {
    id: inv.id,
    invoiceid: inv.id,
    accountid: account.business.accountId,
    accounting_systemid: account.business.accountId,
    invoice_number: inv.num,
    customerid: inv.client,
    ownerid: 1,
    estimateid: 0,
    basecampid: 0,
    parent: 0,
    sentid: 1,
    po_number: inv.po,
    create_date: dayToDate(inv.day),
    due_date: dayToDate(inv.day + inv.dueOff),
    due_offset_days: inv.dueOff,
    created_at: formatWall(inv.created),
    updated: formatWall(inv.upd),
    date_paid: inv.datePaid >= 0 ? dayToDate(inv.datePaid) : null,
    generation_date: null,
    fulfillment_date: null,
    currency_code: inv.cur,
    amount: money(totals.total, inv.cur),
    outstanding: money(Math.max(0, totals.total - inv.paid), inv.cur),
    paid: money(inv.paid, inv.cur),
    discount_total: money(totals.discount, inv.cur),
    discount_value: inv.discount ?? '0',
    discount_description: null,
    deposit_amount: null,
    deposit_percentage: null,
    status: inv.status,
    v3_status: invoiceV3Status(inv, ctx.todayDay),
    display_status: invoiceDisplayStatus(inv),
    payment_status: invoicePaymentStatus(inv, totals.total),
    deposit_status: 'none',
    autobill_status: null,
    auto_bill: inv.status === 5,
    dispute_status: null,
    last_order_status: null,
    ext_archive: 0,
    vis_state: inv.vis,
    ...documentClientFields(client),
    email: client?.email ?? '',
    address: '',
    vat_name: null,
    vat_number: '',
    description: '',
    notes: inv.notes,
    terms: null,
    template: 'clean-grouped',
    language: 'en',
    payment_details: '',
    return_uri: null,
    show_attachments: false,
    gmail: false,
  };
  if (ctx.includes.has('lines')) {
    body.lines = inv.lines.map((l) => {
      const amount = lineCents(l.qh, l.unit);
      const t1 = taxes.get(l.tax1);
      const t2 = taxes.get(l.tax2);
      return {
        lineid: l.id,
        invoiceid: inv.id,
        type: 0,
        name: l.name,
        description: l.desc,
        qty: qtyString(l.qh),
        unit_cost: money(l.unit, inv.cur),
        amount: money(amount, inv.cur),
        // FreshBooks calls the tax *percent* taxAmount1 on invoice lines (§3.1).
        taxName1: t1?.name ?? '',
        taxAmount1: t1?.pct ?? '0',
        taxName2: t2?.name ?? '',
        taxAmount2: t2?.pct ?? '0',
        taxNumber1: null,
        taxNumber2: null,
        compounded_tax: false,
        expenseid: 0,
        basecampid: 0,
        taskno: l.id,
        retainer_id: null,
        retainer_period_id: null,
        date: null,
        updated: formatWall(inv.upd),
      };
    });
  }
  return withExtra(body, inv.extra);
}

function renderPayment(p: PaymentRec, ctx: RenderContext): Json {
  return withExtra(
    {
      id: p.id,
      logid: p.id,
      accounting_systemid: ctx.account.business.accountId,
      invoiceid: p.inv,
      clientid: p.client,
      amount: money(p.cents, p.cur),
      date: dayToDate(p.day),
      type: p.type,
      note: p.note,
      gateway: p.type === 'Credit Card' ? 'stripe' : null,
      transactionid: null,
      from_credit: false,
      creditid: null,
      overpaymentid: null,
      orderid: null,
      bulk_paymentid: null,
      send_client_notification: false,
      updated: formatWall(p.upd),
      vis_state: p.vis,
    },
    p.extra,
  );
}

function renderExpense(e: ExpenseRec, ctx: RenderContext): Json {
  const tax = ctx.taxes.get(e.tax1);
  return withExtra(
    {
      id: e.id,
      expenseid: e.id,
      accounting_systemid: ctx.account.business.accountId,
      categoryid: e.cat,
      staffid: e.staff,
      clientid: e.client,
      projectid: 0,
      invoiceid: null,
      vendor: e.vendor,
      date: dayToDate(e.day),
      amount: money(e.cents, e.cur),
      taxName1: tax?.name ?? null,
      taxPercent1: tax?.pct ?? 0,
      taxAmount1: tax ? money(includedTaxCents(e.cents, tax), e.cur) : null,
      taxName2: null,
      taxPercent2: 0,
      taxAmount2: null,
      compounded_tax: false,
      status: e.status,
      notes: e.notes,
      markup_percent: '0',
      account_name: '',
      accountid: null,
      bank_name: '',
      transactionid: null,
      profileid: null,
      ext_invoiceid: 0,
      ext_systemid: 0,
      from_bulk_import: false,
      has_receipt: false,
      include_receipt: false,
      is_cogs: ctx.account.tables.expense_categories.get(e.cat)?.cogs ?? false,
      isduplicate: false,
      updated: formatWall(e.upd),
      vis_state: e.vis,
    },
    e.extra,
  );
}

function renderVendor(v: VendorRec): Json {
  const place = PLACES[v.place] ?? PLACES[0]!;
  return withExtra(
    {
      vendorid: v.id,
      vendor_name: v.name,
      primary_contact_first_name: v.first,
      primary_contact_last_name: v.last,
      primary_contact_email: v.email,
      account_number: String(10_000_000 + v.id),
      website: null,
      phone: '',
      street: street(v.id),
      street2: null,
      city: place.city,
      province: place.province,
      country: place.country,
      postal_code: place.code,
      currency_code: v.cur,
      language: 'en',
      is_1099: v.is1099,
      note: null,
      outstanding_balance: [],
      overdue_balance: [],
      tax_defaults: [],
      created_at: formatWall(v.created),
      updated_at: formatWall(v.upd),
      vis_state: v.vis,
    },
    v.extra,
  );
}

function renderBill(b: BillRec, ctx: RenderContext): Json {
  const { taxes, account } = ctx;
  const totals = billTotals(b, taxes);
  const paid = billPaid(b);
  const vendor = account.tables.bill_vendors.get(b.vendor);
  const categories = account.tables.expense_categories;
  const lines = b.lines.map((l, idx) => {
    const amount = l.qty * l.unit;
    const tax = taxes.get(l.tax1);
    const taxAmount = taxCents(amount, tax);
    return {
      list_index: idx + 1,
      categoryid: l.cat,
      category: categories.get(l.cat)?.name ?? null,
      description: l.desc,
      quantity: l.qty,
      unit_cost: money(l.unit, b.cur),
      amount: money(amount, b.cur),
      tax_name1: tax?.name ?? null,
      tax_percent1: tax?.pct ?? null,
      tax_authorityid1: null,
      tax_amount1: tax ? money(taxAmount, b.cur) : null,
      tax_name2: null,
      tax_percent2: null,
      tax_authorityid2: null,
      tax_amount2: null,
      total_amount: money(amount + taxAmount, b.cur),
    };
  });
  const firstCategory = b.lines[0] ? categories.get(b.lines[0].cat)?.name ?? null : null;
  return withExtra(
    {
      id: b.id,
      bill_number: b.num,
      vendorid: b.vendor,
      vendor: vendor ? renderVendor(vendor) : null,
      issue_date: dayToDate(b.day),
      due_date: dayToDate(b.day + b.dueOff),
      due_offset_days: b.dueOff,
      currency_code: b.cur,
      language: 'en',
      status: billStatus(b, taxes, ctx.todayDay),
      amount: money(totals.subtotal, b.cur),
      tax_amount: money(totals.tax, b.cur),
      total_amount: money(totals.total, b.cur),
      paid: money(paid, b.cur),
      outstanding: money(Math.max(0, totals.total - paid), b.cur),
      overall_category: firstCategory,
      overall_description: b.lines[0]?.desc ?? null,
      attachment: null,
      lines,
      bill_payments: b.payments.map((p) => ({
        id: p.id,
        billid: b.id,
        amount: money(p.cents, b.cur),
        paid_date: dayToDate(p.day),
        payment_type: p.type,
        note: null,
        vis_state: p.vis,
      })),
      created_at: formatWall(b.created),
      updated_at: formatWall(b.upd),
      vis_state: b.vis,
    },
    b.extra,
  );
}

type Renderer<E extends FreshBooksEntity> = (rec: RecByEntity[E], ctx: RenderContext) => Json;

const RENDERERS: { [E in FreshBooksEntity]: Renderer<E> } = {
  clients: renderClient,
  items: renderItem,
  expense_categories: renderCategory,
  accounts: renderAccount,
  invoices: renderInvoice,
  payments: renderPayment,
  expenses: renderExpense,
  bill_vendors: renderVendor,
  bills: renderBill,
};

export function renderRecord<E extends FreshBooksEntity>(entity: E, rec: RecByEntity[E], ctx: RenderContext): Json {
  return (RENDERERS[entity] as Renderer<E>)(rec, ctx);
}
