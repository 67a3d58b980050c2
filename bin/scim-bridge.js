#!/usr/bin/env node
'use strict';
// The operator CLI as an npm bin: the compiled CLI (npm run build writes dist/src/cli/). A checkout
// that was never built runs the TypeScript source through tsx, a dev dependency, when it is there.
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, '../dist/src/cli/main.js');

function tsxInstalled() {
  try {
    require.resolve('tsx/cjs');
    return true;
  } catch (err) {
    if (err.code === 'MODULE_NOT_FOUND') return false;
    throw err;
  }
}

if (fs.existsSync(compiled)) {
  require(compiled).main();
} else if (tsxInstalled()) {
  require('tsx/cjs');
  require('../src/cli/main.ts').main();
} else {
  process.stderr.write('scim-bridge: the CLI is not built (no dist/src/cli/main.js); run `npm run build` first\n');
  process.exitCode = 1;
}
