import { z } from 'zod';
import type { AppConfig } from '../common/config';
import type { CredentialStore } from '../db/credentials';
import { bigQuery } from './bigquery';
import { destinationTypeOf, type DestinationType } from '../contracts/destination-kinds';
import { powerBi } from './powerbi';
import { postgres } from './postgres';
import { tableau } from './tableau';
import type { AnnounceOutcome, Destination, DestinationContext, DestinationEnv, DestinationErrorClass, DestinationModule, DestinationOpener } from './types';

/**
 * Every destination type, one line each. `satisfies` keeps each module's own input and config types
 * (their pairing is checked by `modules` below), and makes a type in kinds.ts without a module here a
 * compile error.
 */
export const DESTINATIONS = {
  bigquery: bigQuery,
  powerbi: powerBi,
  postgres,
  tableau,
} satisfies { [T in DestinationType]: DestinationModule<T, any, any> };

type Modules = typeof DESTINATIONS;
/** A destination's `destination` object as the API accepts it, after defaults. */
export type DestinationInputOf<T extends DestinationType> = z.output<Modules[T]['input']>;
/** What a connection stores for a destination: its settings and the sealed secret's credential id. */
export type DestinationConfigOf<T extends DestinationType> = Awaited<ReturnType<Modules[T]['seal']>>;
export type DestinationInput = DestinationInputOf<DestinationType>;
export type DestinationConfig = DestinationConfigOf<DestinationType>;
type ModuleOf<T extends DestinationType> = DestinationModule<T, Modules[T]['input'], DestinationConfigOf<T>>;
type AnyModule = { [T in DestinationType]: ModuleOf<T> }[DestinationType];

/** The registry seen through one type parameter, so `modules[type]` keeps input and config paired for any T. */
const modules: { [T in DestinationType]: ModuleOf<T> } = DESTINATIONS;

export function destinationModule<T extends DestinationType>(type: T): ModuleOf<T> {
  return modules[type];
}

/** The module of a connection kind; undefined for kinds with no destination (a store feeding FreshBooks). */
export function destinationOfKind(kind: string): AnyModule | undefined {
  const type = destinationTypeOf(kind);
  return type && modules[type];
}

type AnyInput = Modules[DestinationType]['input'];
/** The create-connections request's `destination`: one of the registry's inputs, told apart by `type`. */
export const destinationInput = z.discriminatedUnion('type', Object.values(DESTINATIONS).map((m) => m.input) as [AnyInput, ...AnyInput[]]);

/** Checks and seals a destination's input with its module; the secret is stored under the module's credential kind. */
export async function sealDestination<T extends DestinationType>(
  input: DestinationInputOf<T> & { type: T },
  deps: { config: AppConfig; credentials: Pick<CredentialStore, 'create'> },
): Promise<{ kind: `freshbooks_${T}`; destination: DestinationConfigOf<T> }> {
  const m = destinationModule(input.type);
  const destination = await m.seal(input, {
    config: deps.config,
    sealSecret: (secret, metadata) => deps.credentials.create(m.credentialKind, secret, metadata),
    sealAs: (kind, secret, metadata) => deps.credentials.create(kind, secret, metadata),
  });
  return { kind: m.kind, destination };
}

/** Opens adapters for stored configs; each type's opener (and its token and dataset caches) is made once, on first use. */
export function destinationOpeners(env: DestinationEnv): (config: DestinationConfig, ctx: DestinationContext) => Promise<Destination> {
  const openers = new Map<DestinationType, DestinationOpener<never>>();
  function openerFor<T extends DestinationType>(type: T): DestinationOpener<DestinationConfigOf<T>> {
    let open = openers.get(type) as DestinationOpener<DestinationConfigOf<T>> | undefined;
    if (!open) {
      open = destinationModule(type).opener(env);
      openers.set(type, open);
    }
    return open;
  }
  return (config, ctx) => openerFor(config.type)(config, ctx);
}

/** How Temporal should treat an error from a destination's API; undefined for errors no destination knows. */
export function classifyDestinationError(err: unknown): DestinationErrorClass | undefined {
  for (const m of Object.values(DESTINATIONS)) {
    const c = m.classifyError(err);
    if (c) return c;
  }
  return undefined;
}

/**
 * Announces a committed delivery through the config's destination hook; each type's announcer (and its
 * clients' tokens) is made once, on first use. Nothing to announce for types without a hook.
 */
export function destinationAnnouncers(env: DestinationEnv): (config: DestinationConfig) => Promise<AnnounceOutcome> {
  const announcers = new Map<DestinationType, (config: never) => Promise<AnnounceOutcome>>();
  return async (config) => {
    const hook = destinationModule(config.type).afterDelivery as ModuleOf<typeof config.type>['afterDelivery'];
    if (!hook) return { ok: true, announced: 0 };
    let announce = announcers.get(config.type) as ((c: DestinationConfig) => Promise<AnnounceOutcome>) | undefined;
    if (!announce) {
      announce = (hook as { announcer(env: DestinationEnv): (c: DestinationConfig) => Promise<AnnounceOutcome> }).announcer(env);
      announcers.set(config.type, announce);
    }
    return announce(config);
  };
}
