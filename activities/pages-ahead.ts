/**
 * The pages of one list asked for a few ahead of the page being read, so the page reads of one batch
 * overlap instead of queueing one round trip after another (the invoices of a backfill are 10 pages per
 * batch). The caller still takes pages strictly in order and decides where to stop exactly as before; a
 * page asked for ahead and never taken is dropped. Nothing is asked for before a page has said how many
 * pages the list has (most lists are one page), nor beyond that count or `lastPage`.
 */
export class PagesAhead<P extends { pages: number }> {
  private readonly asked = new Map<number, Promise<P>>();

  constructor(
    private readonly fetchPage: (page: number) => Promise<P>,
    private readonly lastPage: number,
    private readonly ahead: number,
  ) {}

  async take(page: number): Promise<P> {
    const pending = this.asked.get(page) ?? this.fetchPage(page);
    this.asked.delete(page);
    const res = await pending;
    const until = Math.min(page + this.ahead, res.pages, this.lastPage);
    for (let next = page + 1; next <= until; next++) {
      if (this.asked.has(next)) continue;
      const ask = this.fetchPage(next);
      // A page never taken (the caller stopped before it) must not fail the process when its read fails.
      ask.catch(() => undefined);
      this.asked.set(next, ask);
    }
    return res;
  }
}
