import type { ProbeResult } from '../worker/protocol';

/** The adapter the lab found, or the reason it found none, in words a person can act on. */
export function AdapterStatus({ probe }: { probe: ProbeResult | null }) {
  if (!probe) return <p className="adapter pending" data-testid="adapter">Looking for a WebGPU adapter…</p>;
  if (!probe.ok) {
    return (
      <div className="adapter error" role="alert" data-testid="adapter-error">
        <strong>WebGPU is not available.</strong> {probe.message}
        <p className="hint">You can still open and analyse shared or imported results.</p>
      </div>
    );
  }
  const { adapter } = probe;
  return (
    <p className="adapter ok" data-testid="adapter">
      Adapter: {probe.description}
      {adapter.isFallbackAdapter && <span className="warn"> — a CPU emulator: use only tiny presets.</span>}
    </p>
  );
}
