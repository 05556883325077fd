import { InvalidArgumentError } from '../errors.js';

function camel(name: string): string {
  return name.replace(/[_-]+([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + cost);
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** The known option a misspelled one most likely meant, if any. */
export function closestOption(name: string, known: readonly string[]): string | undefined {
  const wanted = camel(name).toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === wanted);
  if (exact !== undefined) return exact;

  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(wanted, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Throws {@link InvalidArgumentError} for an option name that `known` does not
 * list (options whose value is `undefined` are ignored), suggesting the
 * closest known name: a misspelled option must never be silently ignored.
 *
 * @param context - what takes the options, for the message (`'FileStore'`).
 */
export function rejectUnknownOptions(
  options: object | undefined,
  known: readonly string[],
  context: string,
): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') {
    throw InvalidArgumentError.format('options', options, `${context} takes an options object`);
  }
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || known.includes(name)) continue;
    const guess = closestOption(name, known);
    const hint = guess === undefined ? '' : ` Did you mean '${guess}'?`;
    throw new InvalidArgumentError(
      name,
      `Unknown option '${name}' for ${context}.${hint} Known options: ${known.join(', ')}.`,
    );
  }
}
