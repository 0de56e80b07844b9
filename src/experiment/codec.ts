// The one codec for experiment configs and results: share links, JSON files, saved experiments
// and the headless runner all go through it. Decoding is total: any input gives either a valid,
// current-version object or a typed error with a message for people. It never throws.
//
// Link fragment:  #v1.c.<payload>   (a config)
//                 #v1.r.<payload>   (results, which carry their config)
//                 #v1.t.<payload>   (another kind of payload, e.g. the theory lab's config: a
//                                    PayloadKind given by its own module, see decodePayloadLink)
// payload = base64url( deflateRaw(utf8(JSON)) ‖ fnv1a32(utf8(JSON)) as 4 bytes, big-endian )
// "v1" is the envelope format; the JSON inside carries its own schema version (migrate.ts).
import { Inflate, deflateSync, strFromU8, strToU8 } from 'fflate';
import type { ExperimentConfig, ExperimentResults } from './schema';
import { migrateConfig, migrateResults } from './migrate';
import { describeValue, reviveResultNumbers, validateConfig, validateResults, type ValidationIssue } from './validate';

export const LINK_FORMAT_VERSION = 1;
/** A results link longer than this (characters of fragment) is refused: export a JSON file instead. */
export const RESULTS_LINK_LIMIT = 32 * 1024;
/** Any fragment longer than this is not decoded at all. */
export const MAX_FRAGMENT_CHARS = 256 * 1024;
/** Decompressed JSON larger than this is refused (a link cannot make the page inflate gigabytes). */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** JSON files larger than this are refused. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/**
 * Arrays and objects nested deeper than this are refused before anything recursive runs
 * (JSON.stringify, structuredClone): results need 6 levels, and 5,000 overflow Node's stack.
 */
export const MAX_JSON_DEPTH = 32;
/** No message quotes more than this many characters of what it refuses. */
export const MAX_MESSAGE_CHARS = 400;

export type DecodeErrorCode =
  | 'empty'
  | 'not-a-lab-link'
  | 'future-version'
  | 'too-large'
  | 'too-deep'
  | 'bad-encoding'
  | 'bad-compression'
  | 'checksum'
  | 'bad-json'
  | 'migration'
  | 'invalid';

export interface DecodeError {
  ok: false;
  code: DecodeErrorCode;
  /** One or two sentences for people. */
  message: string;
  /** For 'invalid': what exactly is wrong. */
  issues?: ValidationIssue[];
}

export type Decoded =
  | { ok: true; kind: 'config'; config: ExperimentConfig }
  | { ok: true; kind: 'results'; config: ExperimentConfig; results: ExperimentResults };

export type DecodeResult = Decoded | DecodeError;

const oneLine = (text: string): string => {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length > MAX_MESSAGE_CHARS ? `${flat.slice(0, MAX_MESSAGE_CHARS - 1)}…` : flat;
};

const fail = (code: DecodeErrorCode, message: string, issues?: ValidationIssue[]): DecodeError =>
  issues ? { ok: false, code, message: oneLine(message), issues } : { ok: false, code, message: oneLine(message) };

const tooDeep = (what: string): DecodeError =>
  fail('too-deep', `The ${what} is nested more than ${MAX_JSON_DEPTH} levels deep, which no CBS Lab experiment is: it was refused.`);

/** The deepest nesting of arrays and objects in JSON text, by one pass over it (brackets in strings do not count); stops past `limit`. */
function jsonTextDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // a backslash escapes the next character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      depth++;
      if (depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return deepest;
}

/** True when a value nests arrays and objects deeper than `limit`; walks with its own stack, so it never overflows. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    if (depth + 1 > limit) return true;
    seen.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push({ v: child, depth: depth + 1 });
    }
  }
  return false;
}

// ---------- bytes ----------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Map([...B64].map((ch, i) => [ch, i]));

export function base64urlEncode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += B64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Strict: only the url-safe alphabet, no padding, no impossible lengths; null when malformed. */
export function base64urlDecode(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const ch of text) {
    const v = B64_INDEX.get(ch);
    if (v === undefined) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, so that every payload has exactly one spelling.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/** FNV-1a, 32 bits: catches edits that still inflate and parse (raw deflate has no checksum). */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h >>> 0;
}

function pack(json: string): string {
  const raw = strToU8(json);
  const deflated = deflateSync(raw, { level: 9 });
  const out = new Uint8Array(deflated.length + 4);
  out.set(deflated);
  new DataView(out.buffer).setUint32(deflated.length, fnv1a32(raw));
  return base64urlEncode(out);
}

/** Inflates in small pieces, stopping as soon as the output passes MAX_JSON_BYTES. */
function inflateCapped(data: Uint8Array): { ok: true; bytes: Uint8Array } | { ok: false; tooLarge: boolean } {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  const inflater = new Inflate((chunk, final) => {
    chunks.push(chunk);
    size += chunk.length;
    if (final) done = true;
  });
  try {
    const piece = 1024;
    for (let i = 0; i < data.length; i += piece) {
      inflater.push(data.subarray(i, i + piece), i + piece >= data.length);
      if (size > MAX_JSON_BYTES) return { ok: false, tooLarge: true };
    }
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch {
    return { ok: false, tooLarge: false };
  }
  if (!done) return { ok: false, tooLarge: false };
  const bytes = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  return { ok: true, bytes };
}

function unpack(payload: string): { ok: true; value: unknown } | DecodeError {
  const bytes = base64urlDecode(payload);
  if (!bytes || bytes.length < 5) return fail('bad-encoding', 'The link is damaged: its data is not valid base64url (was it cut short or edited?).');
  const body = bytes.subarray(0, bytes.length - 4);
  const expected = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0);
  const inflated = inflateCapped(body);
  if (!inflated.ok) {
    return inflated.tooLarge
      ? fail('too-large', `The link expands to more than ${MAX_JSON_BYTES / (1024 * 1024)} MB: it was refused.`)
      : fail('bad-compression', 'The link is damaged: its compressed data does not decompress (was it cut short or edited?).');
  }
  if (fnv1a32(inflated.bytes) !== expected) return fail('checksum', 'The link was changed after it was made: its checksum does not match.');
  let text: string;
  try {
    text = strFromU8(inflated.bytes);
  } catch {
    return fail('bad-json', 'The link is damaged: its data is not text.');
  }
  return parseJson(text);
}

function parseJson(text: string, what = 'data'): { ok: true; value: unknown } | DecodeError {
  if (jsonTextDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return tooDeep(what);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return fail('bad-json', 'The data is not valid JSON.');
  }
}

// ---------- config and results from plain values ----------

function invalid(what: string, issues: ValidationIssue[]): DecodeError {
  const first = issues.slice(0, 3).map((i) => i.message).join('; ');
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return fail('invalid', `The ${what} is not valid: ${first}${more}.`, issues);
}

/** A config from any value: migrated to the current version and validated, or an error. */
export function configFromValue(value: unknown): { ok: true; kind: 'config'; config: ExperimentConfig } | DecodeError {
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) return tooDeep('experiment config');
  const migrated = migrateConfig(value);
  if (!migrated.ok) {
    return fail(/newer version/.test(migrated.message) ? 'future-version' : 'migration', migrated.message);
  }
  const issues = validateConfig(migrated.value);
  if (issues.length > 0) return invalid('experiment config', issues);
  return { ok: true, kind: 'config', config: structuredClone(migrated.value as ExperimentConfig) };
}

/** Results from any value: migrated, validated (config included), NaN revived; or an error. */
export function resultsFromValue(value: unknown): Decoded | DecodeError {
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) return tooDeep('results');
  const migrated = migrateResults(value);
  if (!migrated.ok) {
    return fail(/newer version/.test(migrated.message) ? 'future-version' : 'migration', migrated.message);
  }
  const issues = validateResults(migrated.value);
  if (issues.length > 0) return invalid('results', issues);
  const results = reviveResultNumbers(structuredClone(migrated.value as ExperimentResults));
  return { ok: true, kind: 'results', config: results.config, results };
}

// ---------- links ----------

/** Results without NaN (JSON has none) and without undefined fields: the form that is stored and shared. */
function resultsJson(results: ExperimentResults): string {
  return JSON.stringify(results);
}

export function encodeConfigFragment(config: ExperimentConfig): string {
  return `#v${LINK_FORMAT_VERSION}.c.${pack(JSON.stringify(config))}`;
}

export type ResultsLinkResult =
  | { ok: true; fragment: string; chars: number }
  | { ok: false; code: 'too-large'; chars: number; limit: number; message: string };

export function encodeResultsFragment(results: ExperimentResults, limit = RESULTS_LINK_LIMIT): ResultsLinkResult {
  const fragment = `#v${LINK_FORMAT_VERSION}.r.${pack(resultsJson(results))}`;
  if (fragment.length > limit) {
    return {
      ok: false,
      code: 'too-large',
      chars: fragment.length,
      limit,
      message:
        `These results need ${Math.ceil(fragment.length / 1024)} KB in a link, more than the ${Math.round(limit / 1024)} KB a link ` +
        'can safely carry. Export them as a JSON file instead (or share the config-only link).',
    };
  }
  return { ok: true, fragment, chars: fragment.length };
}

/** The fragment of a full URL, a "#…" fragment, or a bare "v1.c.…" string. */
function fragmentOf(input: string): string {
  const hash = input.indexOf('#');
  return (hash >= 0 ? input.slice(hash + 1) : input).trim();
}

/** True when the page's URL carries something meant for the lab (so an empty hash is not an error). */
export function looksLikeLabLink(input: string): boolean {
  return /^v\d+\./.test(fragmentOf(input));
}

/** A link split into its kind letter and payload, after the checks every link kind shares. */
function splitLink(input: unknown): { ok: true; kind: string; payload: string } | DecodeError {
  if (typeof input !== 'string') return fail('empty', 'There is no link to open.');
  const fragment = fragmentOf(input);
  if (fragment.length === 0) return fail('empty', 'There is no link to open.');
  if (fragment.length > MAX_FRAGMENT_CHARS) return fail('too-large', `The link is longer than ${MAX_FRAGMENT_CHARS / 1024} KB: it was refused.`);
  const match = /^v(\d{1,6})\.([a-z])\.(.*)$/s.exec(fragment);
  if (!match) return fail('not-a-lab-link', 'This is not a CBS Lab link: it should end in "#v1.c.…" or "#v1.r.…".');
  const version = Number(match[1]);
  if (version > LINK_FORMAT_VERSION) {
    return fail('future-version', `This link was made by a newer version of CBS Lab (link format v${version}; this page reads v${LINK_FORMAT_VERSION}).`);
  }
  if (version < 1) return fail('not-a-lab-link', `Link format v${version} does not exist.`);
  return { ok: true, kind: match[2], payload: match[3] };
}

/** The kind letter of a lab link ("c", "r", "t", …), or null when the input is no lab link. Decodes nothing. */
export function linkKindOf(input: string): string | null {
  return /^v\d{1,6}\.([a-z])\./.exec(fragmentOf(input))?.[1] ?? null;
}

/** Decodes a share link (full URL, "#v1.c.…" or "v1.r.…"). Never throws. */
export function decodeLink(input: unknown): DecodeResult {
  const link = splitLink(input);
  if (!link.ok) return link;
  const { kind } = link;
  if (kind !== 'c' && kind !== 'r') return fail('not-a-lab-link', `Unknown link kind "${kind}": expected "c" (config) or "r" (results)${kind === THEORY_LINK_LETTER ? ' (a "t" link holds a theory-lab config: the Theory page opens it)' : ''}.`);
  const unpacked = unpack(link.payload);
  if (!unpacked.ok) return unpacked;
  return kind === 'c' ? configFromValue(unpacked.value) : resultsFromValue(unpacked.value);
}

// ---------- other payload kinds ----------

/** The letter of the theory lab's config links (src/theory/link.ts defines its PayloadKind). */
export const THEORY_LINK_LETTER = 't';

/**
 * A payload other than the experiment's config and results, defined by its own module (the codec
 * sits below it in the layers): its letter in links, what it is called in messages, its current
 * schema version (a `version` field above it is refused as made by a newer lab), and its parser.
 * Links of this kind go through the same envelope, limits, checksum and messages as the others.
 */
export interface PayloadKind<T> {
  letter: string;
  /** What the payload is, for messages: "theory config". */
  what: string;
  version: number;
  /** The value as a T, or every problem with it. */
  parse(value: unknown): { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };
}

/** A payload of `kind` from any value: checked for depth, version and validity, or an error. */
export function payloadFromValue<T>(kind: PayloadKind<T>, value: unknown): { ok: true; value: T } | DecodeError {
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) return tooDeep(kind.what);
  const version = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).version : undefined;
  if (typeof version === 'number' && version > kind.version) {
    return fail('future-version', `This ${kind.what} was made by a newer version of CBS Lab (version ${version}; this page reads version ${kind.version}).`);
  }
  const parsed = kind.parse(value);
  if (!parsed.ok) return invalid(kind.what, parsed.issues);
  return { ok: true, value: structuredClone(parsed.value) };
}

export function encodePayloadFragment<T>(kind: PayloadKind<T>, value: T): string {
  return `#v${LINK_FORMAT_VERSION}.${kind.letter}.${pack(JSON.stringify(value))}`;
}

/** Decodes a link of `kind` (full URL, "#v1.t.…" or "v1.t.…"). Never throws. */
export function decodePayloadLink<T>(kind: PayloadKind<T>, input: unknown): { ok: true; value: T } | DecodeError {
  const link = splitLink(input);
  if (!link.ok) return link;
  if (link.kind !== kind.letter) return fail('not-a-lab-link', `This link does not hold a ${kind.what}: it should end in "#v${LINK_FORMAT_VERSION}.${kind.letter}.…".`);
  const unpacked = unpack(link.payload);
  if (!unpacked.ok) return unpacked;
  return payloadFromValue(kind, unpacked.value);
}

// ---------- JSON files ----------

export const FILE_FORMAT = 'cbs-lab';

export interface LabFile {
  format: typeof FILE_FORMAT;
  kind: 'config' | 'results';
  data: ExperimentConfig | ExperimentResults;
}

export function exportConfigJson(config: ExperimentConfig): string {
  const file: LabFile = { format: FILE_FORMAT, kind: 'config', data: config };
  return JSON.stringify(file, null, 2);
}

export function exportResultsJson(results: ExperimentResults): string {
  const file: LabFile = { format: FILE_FORMAT, kind: 'results', data: results };
  return JSON.stringify(file, null, 2);
}

/**
 * Imports a JSON file written by exportConfigJson / exportResultsJson. Also accepts a bare config
 * or a bare results object (e.g. from the headless runner). Never throws.
 */
export function importJson(text: unknown): DecodeResult {
  if (typeof text !== 'string' || text.trim().length === 0) return fail('empty', 'The file is empty.');
  if (text.length > MAX_FILE_BYTES) return fail('too-large', `The file is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MB.`);
  // Editors on Windows start UTF-8 files with a byte-order mark; JSON.parse refuses it.
  const parsed = parseJson(text.replace(/^\uFEFF/, ''), 'file');
  if (!parsed.ok) return parsed.code === 'too-deep' ? parsed : fail('bad-json', 'The file is not valid JSON.');
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('not-a-lab-link', 'The file does not hold a CBS Lab experiment.');
  }
  const obj = value as Record<string, unknown>;
  if ('format' in obj) {
    if (obj.format !== FILE_FORMAT) return fail('not-a-lab-link', `The file's format is ${describeValue(obj.format)}, not "${FILE_FORMAT}".`);
    if (obj.kind === 'config') return configFromValue(obj.data);
    if (obj.kind === 'results') return resultsFromValue(obj.data);
    return fail('not-a-lab-link', `The file's kind is ${describeValue(obj.kind)}: expected "config" or "results".`);
  }
  if ('runs' in obj) return resultsFromValue(obj);
  if ('models' in obj) return configFromValue(obj);
  return fail('not-a-lab-link', 'The file does not hold a CBS Lab experiment config or results.');
}
