import { ErrorCode, ProviderTimeoutError, VisemoError } from './errors.js';

/**
 * Runs `call` with its own AbortSignal that fires when `parent` aborts or `ms` pass, whichever comes
 * first. A timeout rejects with ProviderTimeoutError naming the provider; a parent abort with an
 * `aborted` VisemoError. The provider sees the abort too, so it can close its upstream request.
 */
export async function withDeadline<T>(
  provider: string,
  ms: number,
  parent: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (parent?.aborted) throw new VisemoError(ErrorCode.Aborted, 'the turn was aborted');
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ProviderTimeoutError(provider, ms);
      controller.abort(error);
      reject(error);
    }, ms);
    onAbort = () => {
      const error = new VisemoError(ErrorCode.Aborted, 'the turn was aborted');
      controller.abort(error);
      reject(error);
    };
    parent?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    if (onAbort) parent?.removeEventListener('abort', onAbort);
  }
}
