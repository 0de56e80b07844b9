// What to run: a preset id, a share link or a JSON file, resolved to a validated config through
// the app's own codec (src/state/codec.ts), and the link fragment the page is opened with.
import { existsSync, readFileSync } from 'node:fs';
import type { ExperimentConfig } from '../../src/experiment/schema';
import { decodeLink, encodeConfigFragment, importJson, looksLikeLabLink, type DecodeError } from '../../src/experiment/codec';
import { findExperimentPreset, presetIdList } from '../../src/experiment/presets';
import { approvalCovers, hostsNeedingConfirmation } from '../../src/experiment/data-source';

export class InputError extends Error {}

export interface ResolvedInput {
  config: ExperimentConfig;
  /** "#v1.c.…": what the page is opened with (a config link's own fragment, unchanged). */
  fragment: string;
  /** For people: where the config came from. */
  source: string;
}

function describe(error: DecodeError): string {
  const issues = (error.issues ?? []).slice(0, 5).map((i) => `\n  ${i.path || '(root)'}: ${i.message}`);
  return `${error.message}${issues.join('')}`;
}

/** Throws InputError with a message for people. */
export function resolveInput(input: string): ResolvedInput {
  const preset = findExperimentPreset(input);
  if (preset) {
    const config = preset.config();
    return { config, fragment: encodeConfigFragment(config), source: `preset "${preset.id}" (${preset.label})` };
  }
  const hash = input.indexOf('#');
  const fragmentText = hash >= 0 ? input.slice(hash) : input;
  if (looksLikeLabLink(input) || (hash >= 0 && /^#v\d+\./.test(fragmentText))) {
    const decoded = decodeLink(input);
    if (!decoded.ok) throw new InputError(`the share link cannot be opened: ${describe(decoded)}`);
    // A config link is opened as given (the page decodes the very same bytes); a results link
    // carries its config, which is what gets re-run.
    const fragment = decoded.kind === 'config' ? `#${fragmentText.replace(/^#/, '').trim()}` : encodeConfigFragment(decoded.config);
    return { config: decoded.config, fragment, source: decoded.kind === 'config' ? 'share link (config)' : 'share link (results: re-running its config)' };
  }
  if (existsSync(input)) {
    let text: string;
    try {
      text = readFileSync(input, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const decoded = importJson(text);
    if (!decoded.ok) throw new InputError(`${input}: ${describe(decoded)}`);
    return {
      config: decoded.config,
      fragment: encodeConfigFragment(decoded.config),
      source: decoded.kind === 'config' ? `config file ${input}` : `results file ${input} (re-running its config)`,
    };
  }
  throw new InputError(
    `"${input}" is neither a preset (${presetIdList()}), nor a share link (…#v1.c.…), nor a file that exists`,
  );
}

export type HostCheck = { ok: true; hosts: string[] } | { ok: false; message: string };

/**
 * Data locations (host and path prefix) the page would ask a person to confirm: each must be
 * covered by an --allow-host, which names a host (any path on it) or a host and path prefix.
 * `localFiles`: the engine reads local files by path (Node); the page needs a person to pick them.
 */
export function checkDataHosts(config: ExperimentConfig, allowed: readonly string[], engine: { localFiles?: boolean } = {}): HostCheck {
  if (config.data.kind === 'local') {
    if (engine.localFiles) return { ok: true, hosts: [] };
    return {
      ok: false,
      message:
        `the config reads local files (${[...config.data.train, ...config.data.validation].join(', ')}), which a person picks in the page: ` +
        'a headless run in the browser cannot pick them. Run it with --engine node (files read by path, --data-dir), serve the files over https ' +
          'and use a "urls" data source, or use the bundled data.',
    };
  }
  const hosts = hostsNeedingConfirmation(config.data);
  const refused = hosts.filter((h) => !allowed.some((a) => approvalCovers(a, h)));
  if (refused.length > 0) {
    return {
      ok: false,
      message:
        `the config downloads data from ${refused.join(', ')}, which is neither the bundled data nor C4 on the Hugging Face hub. ` +
        `Nobody is here to confirm it: if you trust it, run again with ${refused.map((h) => `--allow-host ${h}`).join(' ')}.`,
    };
  }
  return { ok: true, hosts };
}
