// Share links of a theory config: the lab's codec (src/experiment/codec.ts) with the theory
// config as its own payload kind, "#v1.t.…", so that these links share the codec's envelope,
// limits, checksum and messages, and are validated here like any other theory config.
import { THEORY_LINK_LETTER, decodePayloadLink, encodePayloadFragment, payloadFromValue, type DecodeError, type PayloadKind } from '../experiment/codec';
import { THEORY_CONFIG_VERSION, parseTheoryConfig, type TheoryConfig } from './config';

export const THEORY_LINK_KIND: PayloadKind<TheoryConfig> = {
  letter: THEORY_LINK_LETTER,
  what: 'theory config',
  version: THEORY_CONFIG_VERSION,
  parse: (value) => {
    const parsed = parseTheoryConfig(value);
    return parsed.ok ? { ok: true, value: parsed.config } : parsed;
  },
};

export function encodeTheoryFragment(config: TheoryConfig): string {
  return encodePayloadFragment(THEORY_LINK_KIND, config);
}

/** A theory config from a link (full URL, "#v1.t.…"), validated; never throws. */
export function decodeTheoryLink(input: unknown): { ok: true; value: TheoryConfig } | DecodeError {
  return decodePayloadLink(THEORY_LINK_KIND, input);
}

/** A theory config from any value (a JSON file, the command line's --config), validated; never throws. */
export function theoryConfigFromValue(value: unknown): { ok: true; value: TheoryConfig } | DecodeError {
  return payloadFromValue(THEORY_LINK_KIND, value);
}
