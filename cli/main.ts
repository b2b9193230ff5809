import { createInterface } from 'node:readline/promises';
import { runCli, type CliIo } from './program';

/** The terminal around `runCli`: stdout/stderr, a prompt when stdin is a terminal, and the exit status. */
const io: CliIo = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  env: process.env,
  ...(process.stdin.isTTY ? {
    async ask(question: string) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try { return await rl.question(question); } finally { rl.close(); }
    },
  } : {}),
};

runCli(process.argv.slice(2), io).then((code) => { process.exitCode = code; }, () => { process.exitCode = 1; });
