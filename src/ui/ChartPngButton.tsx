import { useState, type RefObject } from 'react';
import { downloadBlob, safeFileName, svgToPng } from './download';

/** Saves the chart inside `target` as a PNG. */
export function ChartPngButton({ target, name }: { target: RefObject<HTMLDivElement | null>; name: string }) {
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    // The chart is the largest SVG inside (legend icons are small SVGs of the same class).
    const svgs = [...(target.current?.querySelectorAll('svg.recharts-surface') ?? [])].filter((e): e is SVGSVGElement => e instanceof SVGSVGElement);
    const area = (e: SVGSVGElement) => e.getBoundingClientRect().width * e.getBoundingClientRect().height;
    const svg = svgs.sort((a, b) => area(b) - area(a))[0];
    if (!svg) return setError('There is no chart to save yet.');
    try {
      downloadBlob(safeFileName(name, 'png'), await svgToPng(svg));
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="png-export">
      <button type="button" onClick={() => void save()}>
        Save chart as PNG
      </button>
      {error && <span className="error-text"> {error}</span>}
    </div>
  );
}
