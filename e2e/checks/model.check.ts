// The whole GPU model (src/model/gpu-model.ts) against the float64 reference, in the page.
export { checks } from '../../src/model/gpu-model.check';
