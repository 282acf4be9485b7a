/**
 * Whether the device has a network, and when that changes: in a browser, `navigator.onLine` and
 * the window's `online`/`offline` events. A socket can look open for a long while after the
 * network went (TCP notices late); the browser knows at once.
 */
export interface NetworkSignal {
  readonly online: boolean;
  /** Calls `onChange` at each change; returns a function that stops it. */
  watch(onChange: (online: boolean) => void): () => void;
}

/** The browser's signal, or null where there is none (Node). */
export function browserNetwork(): NetworkSignal | null {
  const target = globalThis as typeof globalThis &
    Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>>;
  if (typeof navigator === 'undefined' || typeof navigator.onLine !== 'boolean') return null;
  const { addEventListener: add, removeEventListener: remove } = target;
  if (typeof add !== 'function' || typeof remove !== 'function') return null;
  return {
    get online() {
      return navigator.onLine;
    },
    watch(onChange) {
      const online = () => onChange(true);
      const offline = () => onChange(false);
      add.call(target, 'online', online);
      add.call(target, 'offline', offline);
      return () => {
        remove.call(target, 'online', online);
        remove.call(target, 'offline', offline);
      };
    },
  };
}
