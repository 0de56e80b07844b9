// A chart's frame: the plot, its legend as HTML below it (it wraps on a phone instead of
// covering the plot), and "Save chart as PNG", whose image carries the title, the legend and the
// summary lines (B* and its interval) as well as the plot.
import { useState, type ReactNode, type RefObject } from 'react';
import { useRef } from 'react';
import { chartPng, downloadBlob, safeFileName, type LegendItem } from './download';

export type { LegendItem };

export function ChartLegend({ items }: { items: LegendItem[] }) {
  return (
    <ul className="chart-legend" aria-label="legend">
      {items.map((item) => (
        <li key={item.label}>
          <svg width="22" height="12" aria-hidden="true" className="legend-key">
            {item.kind === 'dot' ? (
              <circle cx="11" cy="6" r="4.5" fill={item.color} />
            ) : item.kind === 'diamond' ? (
              <polygon points="11,1 16,6 11,11 6,6" fill="#fff" stroke={item.color} strokeWidth={2} />
            ) : item.kind === 'area' ? (
              <rect x="1" y="1" width="20" height="10" fill={item.color} fillOpacity={0.3} />
            ) : (
              <line x1="1" y1="6" x2="21" y2="6" stroke={item.color} strokeWidth={2.5} strokeDasharray={item.kind === 'dash' ? '5 3' : item.kind === 'dots' ? '2 3' : undefined} />
            )}
          </svg>
          {item.label}
        </li>
      ))}
    </ul>
  );
}

/** Saves the chart inside `target` as a PNG with its title, legend and summary lines. */
export function ChartPngButton({ target, name, title, legend, lines }: { target: RefObject<HTMLElement | null>; name: string; title: string; legend: LegendItem[]; lines: string[] }) {
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    // The plot is the largest SVG inside (legend keys are small SVGs).
    const svgs = [...(target.current?.querySelectorAll('svg.recharts-surface') ?? [])].filter((e): e is SVGSVGElement => e instanceof SVGSVGElement);
    const area = (e: SVGSVGElement) => e.getBoundingClientRect().width * e.getBoundingClientRect().height;
    const svg = svgs.sort((a, b) => area(b) - area(a))[0];
    if (!svg) return setError('There is no chart to save yet.');
    try {
      downloadBlob(safeFileName(name, 'png'), await chartPng({ svg, title, legend, lines }));
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

/** A plot with its HTML legend and PNG export. */
export function ChartFrame({ title, legend, lines, pngName, children, height }: { title: string; legend: LegendItem[]; lines: string[]; pngName: string; children: ReactNode; height: number }) {
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div className="chart-frame">
      <div ref={ref} className="chart-plot" style={{ minHeight: height }}>
        {children}
      </div>
      <ChartLegend items={legend} />
      <ChartPngButton target={ref} name={pngName} title={title} legend={legend} lines={lines} />
    </div>
  );
}
