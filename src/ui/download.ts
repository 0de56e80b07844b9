// Saving files from the page: a Blob, a temporary object URL and an <a download>. Charts become
// PNG by drawing their SVG on a canvas (all same-origin, so the canvas stays exportable), with
// their title, legend and summary drawn around them.

export function downloadText(filename: string, text: string, type = 'application/json'): void {
  downloadBlob(filename, new Blob([text], { type }));
}

export function downloadBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from free text: letters, digits and dashes only. */
export function safeFileName(name: string, ext: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'experiment';
  return `${base}.${ext}`;
}

/** A legend entry: what the chart draws for it (line, dashed line, dotted line, dot or shaded area). */
export interface LegendItem {
  label: string;
  color: string;
  /** diamond: an open diamond, as the theory page draws its fit-free crossings. */
  kind: 'line' | 'dash' | 'dots' | 'dot' | 'area' | 'diamond';
}

/** An <svg> element as an image, at its on-screen size. */
async function svgImage(svg: SVGSVGElement): Promise<{ img: HTMLImageElement; width: number; height: number }> {
  const { width, height } = svg.getBoundingClientRect();
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  const text = new XMLSerializer().serializeToString(clone);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the chart could not be drawn as an image'));
      img.src = url;
    });
    return { img, width, height };
  } finally {
    URL.revokeObjectURL(url);
  }
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Lines of text no wider than `width` (the canvas measures them). */
function wrap(ctx: CanvasRenderingContext2D, text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (ctx.measureText(next).width > width && line) {
      out.push(line);
      line = word;
    } else line = next;
  }
  if (line) out.push(line);
  return out;
}

/**
 * A chart as a PNG that stands on its own: the title above the plot, the legend and the summary
 * lines (B*, its interval) below, on white, at `scale`× the on-screen size.
 */
export async function chartPng({ svg, title, legend, lines, scale = 2 }: { svg: SVGSVGElement; title: string; legend: LegendItem[]; lines: string[]; scale?: number }): Promise<Blob> {
  const { img, width, height } = await svgImage(svg);
  const pad = 12;
  const measure = document.createElement('canvas').getContext('2d');
  if (!measure) throw new Error('no 2D canvas');
  measure.font = `600 16px ${FONT}`;
  const titleLines = wrap(measure, title, width - 2 * pad);
  // The legend flows in rows, like the page's.
  measure.font = `13px ${FONT}`;
  const rows: LegendItem[][] = [[]];
  let x = pad;
  for (const item of legend) {
    const w = 30 + measure.measureText(item.label).width + 16;
    if (x + w > width - pad && rows[rows.length - 1].length > 0) {
      rows.push([]);
      x = pad;
    }
    rows[rows.length - 1].push(item);
    x += w;
  }
  const textLines = lines.flatMap((l) => wrap(measure, l, width - 2 * pad));
  const total = pad + titleLines.length * 22 + height + (legend.length ? rows.length * 20 : 0) + textLines.length * 18 + 2 * pad;
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(total * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.scale(scale, scale);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, total);
  ctx.fillStyle = '#1d2433';
  ctx.textBaseline = 'top';
  let y = pad;
  ctx.font = `600 16px ${FONT}`;
  for (const t of titleLines) {
    ctx.fillText(t, pad, y);
    y += 22;
  }
  ctx.drawImage(img, 0, y, width, height);
  y += height;
  ctx.font = `13px ${FONT}`;
  for (const row of legend.length ? rows : []) {
    x = pad;
    for (const item of row) {
      ctx.strokeStyle = item.color;
      ctx.fillStyle = item.color;
      ctx.lineWidth = 2.5;
      ctx.setLineDash(item.kind === 'dash' ? [5, 3] : item.kind === 'dots' ? [2, 3] : []);
      if (item.kind === 'dot') {
        ctx.beginPath();
        ctx.arc(x + 11, y + 8, 4.5, 0, 2 * Math.PI);
        ctx.fill();
      } else if (item.kind === 'diamond') {
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x + 11, y + 3);
        ctx.lineTo(x + 16, y + 8);
        ctx.lineTo(x + 11, y + 13);
        ctx.lineTo(x + 6, y + 8);
        ctx.closePath();
        ctx.stroke();
      } else if (item.kind === 'area') {
        ctx.globalAlpha = 0.3;
        ctx.fillRect(x + 1, y + 3, 20, 10);
        ctx.globalAlpha = 1;
      } else {
        ctx.beginPath();
        ctx.moveTo(x + 1, y + 8);
        ctx.lineTo(x + 21, y + 8);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.fillStyle = '#1d2433';
      ctx.fillText(item.label, x + 28, y + 1);
      x += 30 + ctx.measureText(item.label).width + 16;
    }
    y += 20;
  }
  y += 4;
  for (const t of textLines) {
    ctx.fillText(t, pad, y);
    y += 18;
  }
  return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}
