#!/usr/bin/env node
// gatewright command line: one entry point, one subcommand per job.
import { Command } from 'commander';
import * as nodeModule from 'node:module';
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Each subcommand imports what it needs when it runs: the schema validators, the compiler and the generators cost
// a few hundred milliseconds of start-up, which `gatewright provider` or `--help` should not pay.

// V8's compiled code for the modules imported from here on is kept on disk (in the temporary directory) and reused by
// the next run: a one-shot command such as `render` then starts without compiling gatewright's code again. Where the
// directory is not writable this does nothing. Node before 22.1 has no compile cache: there it is skipped, not an import error.
nodeModule.enableCompileCache?.();

/** The repository (or installed package) root: templates/ and crds/ live there. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// `gatewright render | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/** The credentials key file (or a mounted Secret's `key` item), checked now so a bad key stops the start. */
async function readCredentialsKey(path: string): Promise<string> {
  const { parseSealingKeys } = await import('../provider/sealed-credentials.js');
  const file = statSync(path).isDirectory() ? join(path, 'key') : path;
  const text = readFileSync(file, 'utf8');
  parseSealingKeys(text);
  return text;
}

const program = new Command('gatewright')
  .description(
    'Compiles OperationPolicy and SecurityPolicy objects into OPA Gatekeeper ConstraintTemplates and constraints.',
  )
  .showHelpAfterError();

program
  .command('validate')
  .description('Validate policy YAML offline (OperationPolicy, SecurityPolicy, SecurityPolicyException, ModuleConfig).')
  .requiredOption('-f, --filename <path...>', 'files, directories, or - for stdin')
  .option('-o, --output <format>', 'text or json', 'text')
  .action(async (opts: { filename: string[]; output: string }) => {
    const { runValidate } = await import('./validate.js');
    process.exitCode = runValidate(opts.filename, opts.output, process.stdout, process.stderr);
  });

program
  .command('render')
  .description('Print the ConstraintTemplates and constraints the operator would apply for these policies.')
  .requiredOption('-f, --filename <path...>', 'policy files, directories, or - for stdin')
  .option('--module-config <file>', 'the admission-policy-engine ModuleConfig')
  .option(
    '--namespaces <file>',
    'Namespace objects (multi-document YAML, or the List kubectl get namespaces -o yaml prints)',
  )
  .option('-o, --output <format>', 'yaml or json', 'yaml')
  .option('--templates <dir>', 'template library folder', resolve(packageRoot, 'templates'))
  .action(
    async (opts: {
      filename: string[];
      moduleConfig?: string;
      namespaces?: string;
      output: string;
      templates: string;
    }) => {
      const [{ runRender }, { loadLibrary }] = await Promise.all([import('./render.js'), import('../library/load.js')]);
      process.exitCode = runRender(opts, loadLibrary(opts.templates), process.stdout, process.stderr);
    },
  );

program
  .command('run')
  .description(
    'Run the operator: watch the policies, reconcile Gatekeeper objects, report status (KUBECONFIG, or the in-cluster service account).',
  )
  .option('--templates <dir>', 'template library folder', resolve(packageRoot, 'templates'))
  .option('--ops-port <port>', 'port of /healthz, /readyz and /metrics (0: any free port)', '8080')
  .option('--ops-host <host>', 'address to serve /healthz, /readyz and /metrics on', '0.0.0.0')
  .option(
    '--lease-namespace <ns>',
    'namespace of the leader election Lease',
    process.env.POD_NAMESPACE ?? 'gatewright-system',
  )
  .option('--lease-name <name>', 'name of the leader election Lease', 'gatewright')
  .option('--identity <id>', 'this replica in the Lease (default: host name and pid)')
  .option('--lease-duration <seconds>', 'how long a Lease holds without renewal', '15')
  .option('--resync <seconds>', 'full reconcile at least this often (audit results, safety net)', '60')
  .option('--log-level <level>', 'error, warn, info or debug', 'info')
  .option('--webhook-port <port>', 'serve the validating admission webhook for policy objects on this port (HTTPS)')
  .option('--webhook-host <host>', 'address to serve the webhook on', '0.0.0.0')
  .option('--webhook-cert <file>', 'PEM serving certificate of the webhook', '/etc/gatewright/webhook/tls.crt')
  .option('--webhook-key <file>', 'PEM key of the webhook certificate', '/etc/gatewright/webhook/tls.key')
  // 200/400 by measurement: at 50/100 the limit, not Gatekeeper, paced a 200 + 200 policy convergence (1.33x the
  // kubectl baseline against 1.19x). The API server's priority and fairness and the client's 429 backoff protect it,
  // and an idle operator sends nothing.
  .option('--qps <n>', 'client-side rate limit: API requests per second, sustained', '200')
  .option('--burst <n>', 'client-side rate limit: API requests above the sustained rate at once', '400')
  .option('--max-in-flight <n>', 'API requests in flight at once while a pass applies', '8')
  .option('--constraint-budget <n>', 'constraints applied per reconcile pass at most (whole policies at a time)', '200')
  .option(
    '--image-signature-provider-url <url>',
    "HTTPS URL of gatewright's image signature provider (gatewright provider), e.g. https://gatewright-provider.gatewright-system:8443/validate",
  )
  .option(
    '--image-signature-provider-ca <file>',
    "PEM CA of the provider's serving certificate (the Provider caBundle)",
  )
  .option(
    '--image-signature-credentials-key <file>',
    "key file shared with the provider (its --credentials-key): policies' inline dockerCfg are sealed with it into the constraints instead of being ignored",
  )
  .option('--metrics-auth', 'serve /metrics only to bearer tokens authorized for get /metrics (TokenReview + SAR)')
  .option(
    '--protect-allow-groups <groups>',
    'groups that may change managed objects besides gatewright itself and system:masters (comma-separated)',
    'system:serviceaccounts:gatekeeper-system',
  )
  .option('--no-protect', 'do not install the policy that lets only gatewright change the objects it manages')
  .action(
    async (opts: {
      webhookPort?: string;
      webhookHost: string;
      webhookCert: string;
      webhookKey: string;
      imageSignatureProviderUrl?: string;
      imageSignatureProviderCa?: string;
      imageSignatureCredentialsKey?: string;
      metricsAuth?: boolean;
      protectAllowGroups: string;
      protect: boolean;
      qps: string;
      burst: string;
      maxInFlight: string;
      constraintBudget: string;
      templates: string;
      opsPort: string;
      opsHost: string;
      leaseNamespace: string;
      leaseName: string;
      identity?: string;
      leaseDuration: string;
      resync: string;
      logLevel: string;
    }) => {
      if (opts.webhookPort !== undefined) {
        // Every replica answers admission reviews, leader or not: the decision needs no cluster state.
        const { startWebhook } = await import('../webhook/server.js');
        const webhook = await startWebhook({
          port: Number(opts.webhookPort),
          host: opts.webhookHost,
          cert: readFileSync(opts.webhookCert),
          key: readFileSync(opts.webhookKey),
          onError: (err) => console.error(JSON.stringify({ level: 'warn', msg: `webhook: ${err.message}` })),
        });
        console.log(JSON.stringify({ level: 'info', msg: `validating webhook serving on port ${webhook.port}` }));
      }
      const { runOperator } = await import('../controller/run.js');
      await runOperator({
        templatesDir: opts.templates,
        opsPort: Number(opts.opsPort),
        opsHost: opts.opsHost,
        leaseNamespace: opts.leaseNamespace,
        leaseName: opts.leaseName,
        ...(opts.identity ? { identity: opts.identity } : {}),
        leaseDurationSeconds: Number(opts.leaseDuration),
        resyncSeconds: Number(opts.resync),
        logLevel: opts.logLevel,
        metricsAuth: opts.metricsAuth === true,
        protect: opts.protect,
        protectAllowGroups: opts.protectAllowGroups.split(',').filter((g) => g !== ''),
        qps: Number(opts.qps),
        burst: Number(opts.burst),
        maxInFlight: Number(opts.maxInFlight),
        constraintBudget: Number(opts.constraintBudget),
        ...(opts.imageSignatureProviderUrl
          ? {
              imageSignatureProvider: {
                url: opts.imageSignatureProviderUrl,
                caPem: opts.imageSignatureProviderCa ? readFileSync(opts.imageSignatureProviderCa, 'utf8') : '',
                ...(opts.imageSignatureCredentialsKey
                  ? { credentialsKey: await readCredentialsKey(opts.imageSignatureCredentialsKey) }
                  : {}),
              },
            }
          : {}),
      });
    },
  );

program
  .command('provider')
  .description(
    'Run the image signature provider: a Gatekeeper external data provider that verifies Cosign signatures (HTTPS).',
  )
  .requiredOption('--tls-cert <file>', 'serving certificate (PEM); Gatekeeper trusts it through the Provider caBundle')
  .requiredOption('--tls-key <file>', 'its private key (PEM)')
  .option('--client-ca <file>', "require a client certificate chaining to this CA (Gatekeeper's)")
  .option('--port <port>', 'HTTPS port (0: any free port)', '8443')
  .option('--host <host>', 'address to listen on', '0.0.0.0')
  .option(
    '--docker-config <path>',
    'registry credentials: a dockerconfigjson file, or the folder a kubernetes.io/dockerconfigjson Secret is mounted at',
  )
  .option(
    '--credentials-key <path>',
    "the key file shared with the operator (--image-signature-credentials-key there), or the folder of a Secret with a 'key' item: opens policies' sealed dockerCfg",
  )
  .option('--registry-ca <file>', 'extra CA certificates (PEM) trusted for every registry')
  .option('--plain-http <host...>', 'registry hosts spoken to over plain HTTP (loopback test registries only)', [])
  .option(
    '--deadline <ms>',
    "answer every key within this many milliseconds (keep it below the Provider's timeout and the webhook's)",
    '1500',
  )
  .option('--cache-ttl <seconds>', 'reuse a verdict on the same digest and keys for this long', '300')
  .option('--reload-interval <seconds>', 'check the TLS files for a rotated certificate this often', '10')
  .option(
    '--health-port <port>',
    'also serve /healthz and /readyz over plain HTTP on this port (kubelet probes; with --client-ca the HTTPS port requires a client certificate)',
  )
  .option('--log-level <level>', 'error, warn, info or debug', 'info')
  .action(
    async (opts: {
      credentialsKey?: string;
      reloadInterval: string;
      healthPort?: string;
      tlsCert: string;
      tlsKey: string;
      clientCa?: string;
      port: string;
      host: string;
      dockerConfig?: string;
      registryCa?: string;
      plainHttp: string[];
      deadline: string;
      cacheTtl: string;
      logLevel: string;
    }) => {
      const { runProvider } = await import('../provider/run.js');
      await runProvider({
        port: Number(opts.port),
        host: opts.host,
        tlsCert: opts.tlsCert,
        tlsKey: opts.tlsKey,
        ...(opts.clientCa ? { clientCa: opts.clientCa } : {}),
        ...(opts.dockerConfig ? { dockerConfig: opts.dockerConfig } : {}),
        ...(opts.registryCa ? { registryCa: opts.registryCa } : {}),
        ...(opts.credentialsKey ? { credentialsKey: opts.credentialsKey } : {}),
        plainHttp: opts.plainHttp,
        deadlineMs: Number(opts.deadline),
        cacheTtlSeconds: Number(opts.cacheTtl),
        reloadSeconds: Number(opts.reloadInterval),
        ...(opts.healthPort !== undefined ? { healthPort: Number(opts.healthPort) } : {}),
        logLevel: opts.logLevel,
      });
    },
  );

const templates = program.command('templates').description('Maintain the Rego template library in templates/.');
templates
  .command('build')
  .description('Regenerate every templates/<check>/template.yaml from its sources.')
  .option('--check', 'only report templates whose template.yaml is out of date; exit 1 if any')
  .option('--dir <dir>', 'template library folder', resolve(packageRoot, 'templates'))
  .action(async (opts: { check?: boolean; dir: string }) => {
    const { buildTemplates } = await import('../library/build.js');
    const result = buildTemplates(opts.dir, opts.check === true);
    for (const f of result.written) console.log(`wrote ${f}`);
    for (const f of result.stale) console.error(`out of date: ${f} (run make templates)`);
    if (result.stale.length > 0) process.exitCode = 1;
  });

program
  .command('crds')
  .description(
    'Regenerate crds/*.yaml, the policy types (src/api/generated), the field module list and the README field reference.',
  )
  .option('--check', 'only report generated files that are out of date; exit 1 if any')
  .option('--dir <dir>', 'output folder', resolve(packageRoot, 'crds'))
  .action(async (opts: { check?: boolean; dir: string }) => {
    const [{ CRD_FILES, renderCrd }, { GENERATED_TYPES_FILE, renderTypes }, { withFieldReference }, fieldModules] =
      await Promise.all([
        import('../api/crds.js'),
        import('../api/typegen.js'),
        import('../api/field-reference.js'),
        import('../fields/module-list.js'),
      ]);
    const { MODULE_LIST_FILE, renderModuleList } = fieldModules;
    mkdirSync(opts.dir, { recursive: true });
    const outputs: [string, string][] = [
      ...Object.entries(CRD_FILES).map(([file, def]) => [join(opts.dir, file), renderCrd(def)] as [string, string]),
      // The policy types come from the same schemas, so they are kept in step by the same command.
      [resolve(packageRoot, GENERATED_TYPES_FILE), renderTypes()],
    ];
    // In the repository: the list of field modules, derived from src/fields (make build writes it before compiling,
    // so the CRDs above already come from it; a list written here only takes effect after the next build).
    const fieldsDir = resolve(packageRoot, 'src', 'fields');
    const moduleList = resolve(packageRoot, MODULE_LIST_FILE);
    if (existsSync(fieldsDir)) outputs.push([moduleList, renderModuleList(fieldsDir)]);
    // And the README's field reference.
    const readme = resolve(packageRoot, 'README.md');
    const withReference = existsSync(readme) ? withFieldReference(readFileSync(readme, 'utf8')) : undefined;
    if (withReference !== undefined) outputs.push([readme, withReference]);
    for (const [target, text] of outputs) {
      if (existsSync(target) && readFileSync(target, 'utf8') === text) continue;
      if (opts.check) {
        console.error(`out of date: ${target} (run make crds)`);
        process.exitCode = 1;
      } else {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, text);
        console.log(`wrote ${target}`);
        if (target === moduleList) {
          console.error('the list of field modules changed: run make crds again, so the CRDs follow it');
          process.exitCode = 1;
        }
      }
    }
  });

await program.parseAsync(process.argv);
