import type { EventEmitter } from 'node:events';

/**
 * Resolve when `cond()` holds, checked now and on every `change` event of `changed`; reject after `timeoutMs`
 * (with `detail()` appended to the message, when given).
 */
export function untilChanged(
  changed: EventEmitter,
  cond: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
  detail?: () => string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (cond()) return resolve();
    const check = (): void => {
      if (!cond()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `; ${detail()}` : ''}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      changed.off('change', check);
    };
    changed.on('change', check);
  });
}
