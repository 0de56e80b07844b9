// The experiment being edited in the builder. Holds any ExperimentConfig-shaped value the form
// produces (possibly invalid while the user types) and its validation issues.
import { create } from 'zustand';
import type { ExperimentConfig } from '../experiment/schema';
import { defaultConfig, findExperimentPreset } from '../experiment/presets';
import { validateConfig, type ValidationIssue } from '../experiment/validate';

/** Where the config in the builder came from; a link's config never starts by itself. */
export type ConfigOrigin = 'default' | 'preset' | 'link' | 'import' | 'history' | 'edited';

export interface ExperimentState {
  config: ExperimentConfig;
  origin: ConfigOrigin;
  issues: ValidationIssue[];
  setConfig(config: ExperimentConfig, origin?: ConfigOrigin): void;
  /** Applies an edit from the form (origin becomes 'edited'). */
  update(edit: (config: ExperimentConfig) => ExperimentConfig): void;
  loadPreset(id: string): boolean;
  reset(): void;
}

export const useExperimentStore = create<ExperimentState>((set, get) => ({
  config: defaultConfig(),
  origin: 'default',
  issues: [],
  setConfig(config, origin = 'edited') {
    set({ config, origin, issues: validateConfig(config) });
  },
  update(edit) {
    get().setConfig(edit(get().config), 'edited');
  },
  loadPreset(id) {
    const preset = findExperimentPreset(id);
    if (!preset) return false;
    get().setConfig(preset.config(), 'preset');
    return true;
  },
  reset() {
    set({ config: defaultConfig(), origin: 'default', issues: [] });
  },
}));
