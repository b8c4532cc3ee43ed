#!/usr/bin/env node
// The `nest-mcp-auth` executable (package.json "bin"). The logic lives in cli.ts, which tests call in-process.
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2), process);
