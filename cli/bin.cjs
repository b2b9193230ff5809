#!/usr/bin/env node
// `npx ml-connector …`: the CLI is TypeScript run through tsx, like `npm run api` and `npm run worker`.
require('tsx/cjs');
require('./main.ts');
