// The student tutorial (docs/tutorial.md) as a page of the built lab: tutorial.html, with its
// screenshots (docs/tutorial/*.png, made by e2e/tutorial.spec.ts) under tutorial/. The page links
// to it. The Markdown is the small subset the tutorial uses: headings, paragraphs, lists, images,
// bold, code and links; text is escaped, so the page holds no markup but this converter's.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Inline Markdown: `code`, **bold**, [text](url) (links to other docs name the file), \* escapes. */
function inline(text: string): string {
  return escape(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_m, label: string, url: string) => (/^https?:/.test(url) ? `<a href="${url}">${label}</a>` : `${label} (<code>docs/${url}</code>)`))
    .replace(/\\\*/g, '*');
}

export function markdownToHtml(markdown: string): string {
  const blocks = markdown.replace(/\r\n/g, '\n').split(/\n{2,}/).map((b) => b.trim()).filter(Boolean);
  return blocks
    .map((block) => {
      const heading = /^(#{1,3}) (.*)$/.exec(block);
      if (heading) return `<h${heading[1].length}>${inline(heading[2])}</h${heading[1].length}>`;
      const image = /^!\[([^\]]*)\]\(([^)]+)\)$/.exec(block);
      if (image) return `<figure><img src="${escape(image[2])}" alt="${escape(image[1])}" loading="lazy"><figcaption>${inline(image[1])}</figcaption></figure>`;
      if (block.startsWith('- ')) {
        const items = block.split(/\n- /).map((item) => item.replace(/^- /, '').replace(/\n\s+/g, ' '));
        return `<ul>${items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`;
      }
      return `<p>${inline(block.replace(/\n/g, ' '))}</p>`;
    })
    .join('\n');
}

const STYLE = `body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2433;background:#f7f8fa;line-height:1.55;margin:0}
main{max-width:60rem;margin:0 auto;padding:1rem 1.2rem 3rem}img{max-width:100%;border:1px solid #e2e8f0;border-radius:6px;background:#fff}
figure{margin:1rem 0}figcaption{font-size:.85rem;color:#4a5568}code{font-size:.9em;background:#edf2f7;padding:0 .2em;border-radius:3px}a{color:#2b6cb0}`;

export function tutorialHtml(markdown: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>CBS Lab tutorial</title><link rel="icon" href="favicon.svg" type="image/svg+xml"><style>${STYLE}</style></head>
<body><main><p><a href="./">← back to the lab</a></p>
${markdownToHtml(markdown)}
</main></body></html>
`;
}

/** Serves tutorial.html and its images in dev, and writes them into dist/ at build. */
export function tutorialPlugin(root: string): Plugin {
  const md = resolve(root, 'docs/tutorial.md');
  const shots = resolve(root, 'docs/tutorial');
  const images = () => (existsSync(shots) ? readdirSync(shots).filter((f) => f.endsWith('.png')) : []);
  return {
    name: 'cbs-tutorial-page',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0];
        if (url === '/tutorial.html') {
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          res.end(tutorialHtml(readFileSync(md, 'utf8')));
        } else if (url.startsWith('/tutorial/') && images().includes(url.slice('/tutorial/'.length))) {
          res.setHeader('Content-Type', 'image/png');
          res.end(readFileSync(resolve(shots, url.slice('/tutorial/'.length))));
        } else next();
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'tutorial.html', source: tutorialHtml(readFileSync(md, 'utf8')) });
      for (const name of images()) this.emitFile({ type: 'asset', fileName: `tutorial/${name}`, source: readFileSync(resolve(shots, name)) });
    },
  };
}
