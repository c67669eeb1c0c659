#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` through the prepare script).
// A reader that stops early (`parley user list | head`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

const { main } = await import('../dist/cli/main.js').catch((e) => {
  process.stderr.write(`parley: cannot load dist/cli/main.js (run \`npm run build\`): ${e.message}\n`);
  process.exit(1);
});
process.exitCode = await main(process.argv.slice(2));
