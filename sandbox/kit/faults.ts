/** A fault a simulator answers the next `count` matching requests with ("the next 3 loads get a 503"). */
export interface CountedFault {
  count: number;
}

/**
 * The queue of injected faults every simulator keeps: queued in order, each used up by the requests
 * it matches, gone when its count runs out.
 */
export class FaultQueue<F extends CountedFault> {
  private readonly queued: F[] = [];

  add(...faults: F[]): void {
    for (const f of faults) if (f.count > 0) this.queued.push({ ...f });
  }

  clear(): void {
    this.queued.length = 0;
  }

  /** The first queued fault `matches` accepts, counted down (removed at zero). */
  take(matches: (f: F) => boolean): F | undefined {
    const idx = this.queued.findIndex((f) => f.count > 0 && matches(f));
    if (idx === -1) return undefined;
    const fault = this.queued[idx]!;
    fault.count--;
    if (fault.count === 0) this.queued.splice(idx, 1);
    return fault;
  }
}
