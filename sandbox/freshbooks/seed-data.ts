/**
 * Word lists for the sandbox seed. A few entries carry accents, apostrophes and dashes on purpose: the
 * pipeline must get them to the warehouse intact.
 */

export const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Lucas', 'Mia', 'Ethan', 'Chloé', 'François', 'Zoë', 'Søren',
  'Priya', 'Arjun', 'Mei', 'Hiroshi', 'Fatima', 'Omar', 'Grace', 'Daniel', 'Isabella', 'Mateo', 'Sofia', 'Jack',
  'Amara', 'Kwame', 'Elena', 'Nikolai', 'Aisha', 'Ben',
] as const;

export const LAST_NAMES = [
  'Smith', 'Tremblay', 'Nguyen', 'Martin', "O'Brien", 'García', 'Müller', 'Rossi', 'Kowalski', 'Chen', 'Patel',
  'Kim', 'Dubois', 'Singh', 'Johnson', 'Brown', 'Lefebvre', 'Gagnon', 'Roy', 'Wilson', 'Anderson', 'Schmidt',
  'Novak', 'Haddad', 'Okafor', 'Larsen', 'Silva', 'Cohen', 'Walker', 'Young',
] as const;

export const COMPANY_SUFFIXES = ['Inc.', 'LLC', 'Ltd.', 'Studio', '& Co.', 'GmbH', 'Group', 'Labs', 'Partners', 'Bakery', 'Dental', 'Realty'] as const;

export interface Place {
  city: string;
  province: string;
  country: string;
  code: string;
  currency: string;
}

export const PLACES: readonly Place[] = [
  { city: 'Toronto', province: 'Ontario', country: 'Canada', code: 'M5V 2T6', currency: 'CAD' },
  { city: 'Vancouver', province: 'British Columbia', country: 'Canada', code: 'V6B 1A1', currency: 'CAD' },
  { city: 'Montréal', province: 'Québec', country: 'Canada', code: 'H2X 1Y4', currency: 'CAD' },
  { city: 'New York', province: 'New York', country: 'United States', code: '10001', currency: 'USD' },
  { city: 'Austin', province: 'Texas', country: 'United States', code: '78701', currency: 'USD' },
  { city: 'Chicago', province: 'Illinois', country: 'United States', code: '60601', currency: 'USD' },
  { city: 'San Francisco', province: 'California', country: 'United States', code: '94103', currency: 'USD' },
  { city: 'Berlin', province: 'Berlin', country: 'Germany', code: '10115', currency: 'EUR' },
  { city: 'Paris', province: 'Île-de-France', country: 'France', code: '75002', currency: 'EUR' },
  { city: 'Dublin', province: 'Leinster', country: 'Ireland', code: 'D02 X285', currency: 'EUR' },
];

export const STREETS = ['King St W', 'Queen St E', 'Spadina Ave', 'Broadway', 'Main St', 'Rue Saint-Denis', 'Market St', 'Friedrichstraße', 'Grafton St', 'Congress Ave'] as const;

export interface ServiceDef {
  name: string;
  desc: string;
  sku: string;
  /** Unit cost in cents. */
  unit: number;
  hourly: boolean;
}

export const SERVICES: readonly ServiceDef[] = [
  { name: 'Web Design', desc: 'Visual design, per hour', sku: 'WD', unit: 12500, hourly: true },
  { name: 'Front-end Development', desc: 'HTML/CSS/JS build, per hour', sku: 'FE', unit: 13500, hourly: true },
  { name: 'Back-end Development', desc: 'APIs and integrations, per hour', sku: 'BE', unit: 15000, hourly: true },
  { name: 'UX Research', desc: 'Interviews and usability tests, per hour', sku: 'UX', unit: 11000, hourly: true },
  { name: 'Copywriting', desc: 'Web and campaign copy, per hour', sku: 'CW', unit: 9000, hourly: true },
  { name: 'SEO Audit', desc: 'Technical and content SEO review', sku: 'SEO', unit: 150000, hourly: false },
  { name: 'Monthly Hosting', desc: 'Managed hosting, one month', sku: 'HOST', unit: 4900, hourly: false },
  { name: 'Logo Design', desc: 'Logo with three concepts', sku: 'LOGO', unit: 120000, hourly: false },
  { name: 'Brand Strategy Workshop', desc: 'Half-day workshop — on site', sku: 'BSW', unit: 250000, hourly: false },
  { name: 'Project Management', desc: 'Coordination, per hour', sku: 'PM', unit: 9500, hourly: true },
  { name: 'Social Media Management', desc: 'Monthly social calendar', sku: 'SMM', unit: 80000, hourly: false },
  { name: 'Photography', desc: 'Product and team photos, per hour', sku: 'PHO', unit: 14000, hourly: true },
  { name: 'Video Editing', desc: 'Editing and colour, per hour', sku: 'VID', unit: 11500, hourly: true },
  { name: 'Domain Renewal', desc: 'One domain, one year', sku: 'DOM', unit: 2500, hourly: false },
  { name: 'Maintenance Retainer', desc: 'Monthly updates and backups', sku: 'MNT', unit: 60000, hourly: false },
];

export const LINE_NOTES = [
  'Homepage redesign', 'Sprint 14', 'Q3 retainer', 'Bug fixes', 'Landing page copy', 'Discovery workshop',
  'Revisions, round 2', 'Monthly hosting', 'Stock photos', 'Travel to client site', 'Ad spend — March',
  'Consulting call', 'Content migration', '', 'Checkout flow "v2"',
] as const;

export interface CategoryDef {
  name: string;
  parent?: string;
  cogs?: boolean;
}

/** Parents come before their children. */
export const CATEGORY_TREE: readonly CategoryDef[] = [
  { name: 'Advertising' },
  { name: 'Online Ads', parent: 'Advertising' },
  { name: 'Car & Truck Expenses' },
  { name: 'Fuel', parent: 'Car & Truck Expenses' },
  { name: 'Office Expenses & Postage' },
  { name: 'Office Supplies', parent: 'Office Expenses & Postage' },
  { name: 'Software', parent: 'Office Expenses & Postage' },
  { name: 'Travel' },
  { name: 'Airfare', parent: 'Travel' },
  { name: 'Meals and Entertainment', parent: 'Travel' },
  { name: 'Cost of Goods Sold', cogs: true },
  { name: 'Subcontractors', parent: 'Cost of Goods Sold', cogs: true },
  { name: 'Professional Services' },
  { name: 'Bank Fees', parent: 'Professional Services' },
];

export interface AccountDef {
  name: string;
  number: string;
  type: string;
  subs: string[];
}

export const CHART_OF_ACCOUNTS: readonly AccountDef[] = [
  { name: 'Cash', number: '1000', type: 'asset', subs: ['Checking', 'Savings'] },
  { name: 'Accounts Receivable', number: '1200', type: 'asset', subs: [] },
  { name: 'Undeposited Funds', number: '1300', type: 'asset', subs: [] },
  { name: 'Prepaid Expenses', number: '1400', type: 'asset', subs: [] },
  { name: 'Equipment', number: '1500', type: 'asset', subs: ['Computers'] },
  { name: 'Accounts Payable', number: '2000', type: 'liability', subs: [] },
  { name: 'Credit Card', number: '2100', type: 'liability', subs: ['Visa'] },
  { name: 'Sales Tax Payable', number: '2200', type: 'liability', subs: ['HST', 'GST'] },
  { name: 'Loans Payable', number: '2300', type: 'liability', subs: [] },
  { name: "Owner's Equity", number: '3000', type: 'equity', subs: [] },
  { name: 'Retained Earnings', number: '3100', type: 'equity', subs: [] },
  { name: "Owner's Draw", number: '3200', type: 'equity', subs: [] },
  { name: 'Sales', number: '4000', type: 'income', subs: ['Design', 'Development'] },
  { name: 'Other Income', number: '4100', type: 'income', subs: [] },
  { name: 'Interest Income', number: '4200', type: 'income', subs: [] },
  { name: 'Cost of Goods Sold', number: '5000', type: 'cost_of_goods_sold', subs: ['Subcontractors'] },
  { name: 'Operating Expenses', number: '6000', type: 'expense', subs: ['Advertising', 'Software'] },
  { name: 'Payroll Expenses', number: '6100', type: 'expense', subs: [] },
  { name: 'Rent', number: '6200', type: 'expense', subs: [] },
  { name: 'Bank Charges', number: '6300', type: 'expense', subs: [] },
];

export const EXPENSE_VENDORS = [
  'Adobe', 'Amazon Web Services', 'Staples', 'Uber', 'Delta Air Lines', 'WeWork', 'Google Workspace', 'Slack',
  'Air Canada', 'Tim Hortons', 'Shopify', 'Starbucks', 'Apple', 'Zoom', 'Café Olimpico',
] as const;

export const VENDOR_NAMES = [
  'Figma Inc.', 'Hetzner Online GmbH', 'Rogers Communications', 'Verizon', 'Comcast Business', 'Regus',
  'Dell Technologies', 'Freelance Dev Co.', 'Pixel Perfect Photography', 'Printing Plus', 'Metro Couriers',
  'Bell Canada', 'Hydro One', 'Con Edison', 'State Farm', 'Intact Insurance', 'Gusto', 'Wave Payroll', 'Canva',
  'Upwork', 'Fiverr', 'Envato', 'Shutterstock', 'Getty Images', 'Mailchimp',
] as const;

export const PAYMENT_TYPES: Array<readonly [string, number]> = [
  ['Check', 10],
  ['Credit Card', 25],
  ['Bank Transfer', 25],
  ['ACH', 15],
  ['PayPal', 10],
  ['Cash', 3],
  ['VISA', 7],
  ['AMEX', 5],
];
