import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const WEB = resolve(import.meta.dirname, '../web');

/** The page's three files: the HTML, its stylesheet, and its script bundled from TypeScript. */
export interface PageFiles {
  html: string;
  css: string;
  js: string;
}

/** Bundles `web/client/main.ts` (and the renderers it imports) with esbuild, in memory, once at start. */
export async function buildPage(): Promise<PageFiles> {
  const [html, css, bundled] = await Promise.all([
    readFile(resolve(WEB, 'index.html'), 'utf8'),
    readFile(resolve(WEB, 'style.css'), 'utf8'),
    build({
      entryPoints: [resolve(WEB, 'client/main.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      sourcemap: 'inline',
      logLevel: 'silent',
    }),
  ]);
  const js = bundled.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild produced no bundle for the playground page');
  return { html, css, js };
}
