import { describe, expect, it } from 'vitest';
import { explainError, errorMessage, isQuotaError, STORAGE_FULL } from './errors';

describe('errors in words', () => {
  const quota = Object.assign(new Error(''), { name: 'QuotaExceededError' });
  it('recognises quota errors by name, legacy code or message', () => {
    expect(isQuotaError(quota)).toBe(true);
    expect(isQuotaError({ name: 'Error', code: 22, message: '' })).toBe(true);
    expect(isQuotaError(new Error('Quota exceeded for this origin'))).toBe(true);
    expect(isQuotaError(new Error('network down'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
  });
  it('never gives an empty message', () => {
    expect(errorMessage(new Error(''))).toBe('an unknown error');
    expect(errorMessage(quota)).toBe('QuotaExceededError');
    expect(errorMessage('')).toBe('an unknown error');
    expect(errorMessage(new TypeError('x is not a function'))).toBe('x is not a function');
  });
  it('says a full storage in words, with what was not saved', () => {
    expect(explainError(quota, 'the checkpoint at step 40 was not saved')).toBe(
      `${STORAGE_FULL}: the checkpoint at step 40 was not saved. Clear the data cache, or free space for this site, then try again`,
    );
    expect(explainError(quota)).toMatch(/^the browser's storage for this site is full: QuotaExceededError\./);
    expect(explainError(new Error('boom'), 'saving')).toBe('saving: boom');
  });
});
