// The experiment a scale-out command is given (a preset, a share link or a file), through the
// headless runner's resolver; an input it cannot read is bad usage (exit 2).
import type { ExperimentConfig } from '../../src/experiment/schema';
import { UsageError } from '../cli';
import { InputError, resolveInput } from '../headless/input';

export function experimentOf(input: string): ExperimentConfig {
  try {
    return resolveInput(input).config;
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(error.message);
    throw error;
  }
}
