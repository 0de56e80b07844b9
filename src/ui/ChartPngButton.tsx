import { useState, type RefObject } from 'react';
import { downloadBlob, safeFileName, svgToPng } from './download';

/** Saves the chart inside `target` as a PNG. */
export function ChartPngButton({ target, name }: { target: RefObject<HTMLDivElement | null>; name: string }) {
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    const svg = target.current?.querySelector('svg.recharts-surface');
    if (!(svg instanceof SVGSVGElement)) return setError('There is no chart to save yet.');
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
