/**
 * Document numbers (reference/freshbooks.md §3.1 "invoice_number", §9.10):
 * - a create without `invoice_number` takes the previous number plus one, keeping zero padding (`0005` → `0006`);
 * - concurrent creates without a number can collide → HTTP 409; a retry succeeds.
 *
 * The sandbox handles requests one at a time, so two requests never really race inside it. The collision is
 * modelled instead: with `raceWindowMs` > 0 a numberless create over the FreshBooks API takes that long to
 * commit (the number is "reserved" meanwhile), and any other numberless create on the same account that
 * arrives while one is in flight gets the 409. Sequential creates (each awaiting its reply) never collide;
 * truly concurrent ones do, deterministically as long as they arrive within the window. `forced` makes the
 * next N numberless API creates answer 409 regardless (`state.injectInvoiceNumberConflicts(n)`).
 *
 * Creates WITH an `invoice_number` never collide: the reference says supplying the number avoids the 409.
 */
import { SandboxError } from './errors';

/**
 * "Previous number plus one": increments the last run of digits, keeping its width (`0005` → `0006`,
 * `INV-0099` → `INV-0100`, `99` → `100`). [unverified] What FreshBooks does with a previous number that has
 * no digits at all is undocumented; the sandbox appends `1`.
 */
export function nextDocumentNumber(previous: string | undefined, fallbackWidth = 7): string {
  if (previous === undefined || previous === '') return '1'.padStart(fallbackWidth, '0');
  const m = /^(.*?)(\d+)(\D*)$/.exec(previous);
  if (!m) return `${previous}1`;
  const [, head, digits, tail] = m as unknown as [string, string, string, string];
  const next = (BigInt(digits) + 1n).toString().padStart(digits.length, '0');
  return `${head}${next}${tail}`;
}

/** The 409 FreshBooks answers when a numberless create collides (§6 lists 409 Conflict). */
export function invoiceNumberConflict(): SandboxError {
  // [unverified] Only the status and "another request is changing the same resource" are documented (§6);
  // the errno (409, as FreshBooks lists it), field and message text are the sandbox's best guess.
  return new SandboxError(409, 409, 'Another request is changing the same resource. Please retry.', 'invoice_number', 'invoice');
}

export class InvoiceNumbering {
  /** Numberless API creates still to be answered with 409 no matter what. */
  forced = 0;
  /** How long a numberless API create holds the account's next number; 0 = creates never overlap. */
  raceWindowMs: number;
  /** Numberless creates conflicted (forced or by overlap) since the last stats reset. */
  conflicts = 0;
  private readonly inFlight = new Map<string, number>();

  constructor(readonly defaultRaceWindowMs = 0) {
    this.raceWindowMs = defaultRaceWindowMs;
  }

  reset(): void {
    this.forced = 0;
    this.raceWindowMs = this.defaultRaceWindowMs;
  }

  /**
   * Run `commit` as a numberless invoice create on `accountId`: throws the 409 when it collides, otherwise
   * holds the account's numbering for the race window, then commits.
   */
  async run<T>(accountId: string, commit: () => T): Promise<T> {
    if (this.forced > 0) {
      this.forced--;
      this.conflicts++;
      throw invoiceNumberConflict();
    }
    if ((this.inFlight.get(accountId) ?? 0) > 0) {
      this.conflicts++;
      throw invoiceNumberConflict();
    }
    if (this.raceWindowMs <= 0) return commit();
    this.inFlight.set(accountId, (this.inFlight.get(accountId) ?? 0) + 1);
    try {
      await new Promise((r) => setTimeout(r, this.raceWindowMs));
      return commit();
    } finally {
      const n = (this.inFlight.get(accountId) ?? 1) - 1;
      if (n <= 0) this.inFlight.delete(accountId);
      else this.inFlight.set(accountId, n);
    }
  }
}
