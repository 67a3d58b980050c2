#!/usr/bin/env node
'use strict';
// Runs the TypeScript CLI without a build: tsx compiles scripts/cli.ts on the fly.
require('tsx/cjs');
require('../scripts/cli.ts').main();
