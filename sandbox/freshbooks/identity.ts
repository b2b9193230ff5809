/**
 * The one sandbox user and their businesses, and the `/auth/api/v1/users/me` reply (reference/freshbooks.md
 * §2). Three id namespaces per business on purpose (§9.13): membership `id`, `business.id` (business_id),
 * `business.account_id` (short string) and `business_uuid` all differ.
 */
import type { Business } from './model';

export interface SandboxUser {
  identityId: number;
  identityUuid: string;
  firstName: string;
  lastName: string;
  email: string;
  createdAt: string;
}

export interface Membership {
  membershipId: number;
  role: 'owner' | 'admin' | 'business_employee' | 'client';
  business: Business;
}

export const SANDBOX_USER: SandboxUser = {
  identityId: 2192788,
  identityUuid: '5c1e2b9a-7f1d-4d0e-9a3b-3f7e6c2d8a11',
  firstName: 'Riley',
  lastName: 'Morgan',
  email: 'riley.morgan@sandbox-agency.example',
  createdAt: '2021-03-04T15:42:54Z',
};

/** The two businesses the user runs (seeded with data) and one where they are only a client (never offered). */
export const SANDBOX_MEMBERSHIPS: Membership[] = [
  {
    membershipId: 6765686,
    role: 'owner',
    business: { businessId: 4100017, businessUuid: '046e4001-0002-616d-710a-a451d4421b13', accountId: 'kW3mZ8', name: 'Northwind Creative LLC', baseCurrency: 'USD', staffId: 1, place: 3 },
  },
  {
    membershipId: 7900914,
    role: 'admin',
    business: { businessId: 4100342, businessUuid: '04710001-0002-ff38-0de2-a77e0c34a9a1', accountId: 'Qp7Rt2', name: 'Maple & Pixel Studio Inc.', baseCurrency: 'CAD', staffId: 1, place: 0 },
  },
  {
    membershipId: 8123001,
    role: 'client',
    business: { businessId: 5230011, businessUuid: '0519c2f0-0002-4b1e-93d0-1c2b7e9f0a55', accountId: 'xY9cLe', name: 'Harbour Dental Group', baseCurrency: 'USD', staffId: 1, place: 4 },
  },
];

/**
 * `count` more businesses the user owns, for runs that need many accounts (a thousand connections, each on
 * its own account with its own request budget). Ids are derived from the index, so every run has the same.
 */
export function extraMemberships(count: number): Membership[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const hex = n.toString(16).padStart(8, '0');
    return {
      membershipId: 9_000_000 + n,
      role: 'owner' as const,
      business: {
        businessId: 6_000_000 + n, businessUuid: `${hex}-0002-4e00-8000-${hex.padStart(12, '0')}`, accountId: `Bx${n.toString(36).padStart(4, '0')}`,
        name: `Bench Business ${n}`, baseCurrency: n % 3 === 0 ? 'CAD' : 'USD', staffId: 1, place: n % 5,
      },
    };
  });
}

export function meResponse(user: SandboxUser, memberships: readonly Membership[]): unknown {
  const accounting = memberships.filter((m) => m.role !== 'client');
  return {
    response: {
      id: user.identityId,
      identity_uuid: user.identityUuid,
      first_name: user.firstName,
      last_name: user.lastName,
      email: user.email,
      language: 'en',
      confirmed_at: user.createdAt,
      created_at: user.createdAt,
      unconfirmed_email: null,
      setup_complete: true,
      phone_numbers: [{ title: '', phone_number: null }],
      addresses: [null],
      profession: null,
      links: { me: `/service/auth/api/v1/users?id=${user.identityId}`, roles: `/service/auth/api/v1/users/role/${user.identityId}` },
      permissions: Object.fromEntries(accounting.map((m) => [m.business.accountId, { 'advanced_accounting.access': true, 'client.limit': -1 }])),
      subscription_statuses: Object.fromEntries(accounting.map((m) => [m.business.accountId, 'active'])),
      integrations: {},
      groups: memberships.map((m, i) => ({
        id: m.membershipId,
        group_id: 5206502 + i,
        role: m.role,
        identity_id: user.identityId,
        business_id: m.business.businessId,
        active: true,
      })),
      roles: accounting.map((m, i) => ({
        id: 2290862 + i,
        role: 'admin',
        systemid: 4354764 + i,
        userid: 1,
        created_at: user.createdAt,
        links: { destroy: `/service/auth/api/v1/users/role/${2290862 + i}` },
        accountid: m.business.accountId,
      })),
      business_memberships: memberships.map((m) => ({
        id: m.membershipId,
        role: m.role,
        unacknowledged_change: false,
        fasttrack_token: null,
        business: {
          id: m.business.businessId,
          business_uuid: m.business.businessUuid,
          name: m.business.name,
          account_id: m.business.accountId,
          date_format: 'mm/dd/yyyy',
          active: true,
          address: { id: 3383026, street: null, city: null, province: null, country: m.business.baseCurrency === 'CAD' ? 'Canada' : 'United States', postal_code: null },
          phone_number: null,
          business_clients: [],
        },
      })),
      identity_origin: 'magnum',
    },
  };
}
