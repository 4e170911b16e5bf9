// Bundles the dashboard into ../wwwroot/app (app.js, app.css) and, with --tests, the unit tests into .out/test.
// --check type-checks first (tsc --noEmit). Run by ConnLab.Server.csproj before every build whose sources changed.
// NOMINIFY=1 leaves the bundle readable (for profiling in the browser).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = new Set(process.argv.slice(2));

if (args.has('--check')) {
  try {
    execFileSync(process.execPath, [join(here, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', here], { stdio: 'inherit' });
  } catch {
    console.error('build.mjs: type errors (above)');
    process.exit(1);
  }
}

if (args.has('--tests')) {
  const tests = readdirSync(join(here, 'test')).filter((f) => f.endsWith('.test.ts')).map((f) => join(here, 'test', f));
  await build({
    entryPoints: tests,
    outdir: join(here, '.out/test'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
} else {
  rmSync(join(here, '../wwwroot/app/chunks'), { recursive: true, force: true }); // chunk names carry their hash: drop old ones
  await build({
    entryPoints: { app: join(here, 'src/main.ts') },
    outdir: join(here, '../wwwroot/app'),
    bundle: true,
    minify: !process.env.NOMINIFY,
    sourcemap: true,
    format: 'esm',
    splitting: true, // the SignalR client is a chunk of its own, imported when a page connects (src/hub.ts)
    chunkNames: 'chunks/[name]-[hash]',
    target: ['chrome110', 'firefox110', 'safari16'],
    legalComments: 'linked',
    logLevel: 'warning',
  });
}
