// Type guards for values read from JSON (links, files, stored records): what the validators and
// migrations of every config kind test before they trust a field.

export type JsonObject = Record<string, unknown>;

/** A plain object (not null, not a list). */
export const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A finite number. */
export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** A finite integer. */
export const isInt = (v: unknown): v is number => isNum(v) && Number.isInteger(v);
