/** Resolves once every promise settled, or after `ms`, whichever is first. */
export async function settledWithin(pending: Promise<unknown>[], ms: number): Promise<void> {
  if (pending.length === 0) return;

  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([Promise.allSettled(pending), late]);
  clearTimeout(timer);
}
