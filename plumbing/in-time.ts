/**
 * `work`'s result, or `late` once `ms` have passed: the caller answers on time, and whatever `work`
 * brings after that is dropped. The timer is cleared either way, so it never holds a Lambda open.
 */
export async function inTime<T, Late>(work: Promise<T>, ms: number, late: Late): Promise<T | Late> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Late>((resolve) => {
    timer = setTimeout(() => resolve(late), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
