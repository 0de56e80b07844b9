export * from './errors';
export * from './device';
export * from './buffers';
export * from './pipelines';
export * from './dispatch';
export * from './timing';
