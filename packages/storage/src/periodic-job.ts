export interface PeriodicJobOptions<T> {
  /** Milliseconds between runs. */
  intervalMs: number;
  /** Run once right away (default true), then every interval. */
  runAtStart?: boolean;
  onReport?: (report: T) => void;
  onError?: (error: unknown) => void;
}

export interface PeriodicJob<T> {
  /** Runs now, or waits for the run already going. */
  runNow(): Promise<T>;
  /** No further runs; resolves when a running one has finished. */
  stop(): Promise<void>;
}

/** Runs `run` on a timer that does not keep the process alive; runs never overlap. */
export function startPeriodicJob<T>(run: () => Promise<T>, options: PeriodicJobOptions<T>): PeriodicJob<T> {
  let running: Promise<T> | null = null;
  let stopped = false;
  const runNow = (): Promise<T> => {
    if (running) return running;
    running = run().finally(() => {
      running = null;
    });
    return running;
  };
  const tick = () => {
    if (stopped) return;
    runNow().then(
      (report) => options.onReport?.(report),
      (error) => options.onError?.(error),
    );
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  if (options.runAtStart ?? true) tick();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
