/**
 * At most `max` of the tasks given to the returned function run at once; the others wait their
 * turn in the order they came. The import bounds its Secret Server calls with it, so that reading
 * a thousand groups' members does not send a thousand requests to a real Secret Server at once.
 */
export function limitConcurrency(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running < max) running++;
    // A finishing task hands its slot straight to the next waiter, so `running` stays as it is.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
