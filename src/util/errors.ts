// Errors in words. Browsers report a full storage quota as a DOMException whose message may be
// empty, which used to reach people as an empty reason (or no banner at all).

/** The start of every message about a full storage quota, wherever it happens. */
export const STORAGE_FULL = "the browser's storage for this site is full";

/** True for the browser's quota errors (IndexedDB, Cache Storage, localStorage). */
export function isQuotaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || code === 22 || (typeof message === 'string' && /quota/i.test(message));
}

/** An error's message, never empty: the message, else its name, else its text. */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (typeof message === 'string' && message.trim() !== '') return message;
    if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  }
  const text = String(error);
  return text === '' || text === 'Error' || text === '[object Object]' ? 'an unknown error' : text;
}

/**
 * An error for people: a full storage quota says so in words, with what could not be saved
 * (`what`), and what to do; anything else is its (never empty) message.
 */
export function explainError(error: unknown, what?: string): string {
  if (!isQuotaError(error)) return what ? `${what}: ${errorMessage(error)}` : errorMessage(error);
  return `${STORAGE_FULL}: ${what ?? errorMessage(error)}. Clear the data cache, or free space for this site, then try again`;
}
