// The config being edited survives a reload: the page keeps its share fragment in localStorage
// (and in the address bar). Storage that is full or switched off loses only the draft.
export const DRAFT_KEY = 'cbs-lab-draft';

export function saveDraft(fragment: string): void {
  try {
    localStorage.setItem(DRAFT_KEY, fragment);
  } catch {
    // No storage here (private mode, quota): the address bar still holds the draft.
  }
}

export function loadDraft(): string | null {
  try {
    return localStorage.getItem(DRAFT_KEY);
  } catch {
    return null;
  }
}

export function clearDraft(): void {
  try {
    localStorage.removeItem(DRAFT_KEY);
  } catch {
    // Nothing to clear.
  }
}
