#!/usr/bin/env node
// gatewright command line: one entry point, one subcommand per job.
import { Command } from 'commander';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTemplates } from '../library/build.js';

/** The repository (or installed package) root: templates/ and crds/ live there. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const program = new Command('gatewright').description(
  'Compiles OperationPolicy and SecurityPolicy objects into OPA Gatekeeper ConstraintTemplates and constraints.',
);

const templates = program.command('templates').description('Maintain the Rego template library in templates/.');
templates
  .command('build')
  .description('Regenerate every templates/<check>/template.yaml from its sources.')
  .option('--check', 'only report templates whose template.yaml is out of date; exit 1 if any')
  .option('--dir <dir>', 'template library folder', resolve(packageRoot, 'templates'))
  .action((opts: { check?: boolean; dir: string }) => {
    const result = buildTemplates(opts.dir, opts.check === true);
    for (const f of result.written) console.log(`wrote ${f}`);
    for (const f of result.stale) console.error(`out of date: ${f} (run make templates)`);
    if (result.stale.length > 0) process.exitCode = 1;
  });

await program.parseAsync(process.argv);
