// PromQL pieces more than one page builds its queries from.

/**
 * A counter's increase over `window`, counting a series younger than the window whole: a series
 * that appears with its first event is already above 0 (its start at 0 was never scraped), which
 * increase() alone cannot see. Such a series did not exist `window` ago, so all of it is new.
 */
export const increaseCountingNew = (series: string, window: string) =>
  `((increase(${series}[${window}]) and ${series} offset ${window}) or ${series})`;
