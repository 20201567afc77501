// Jest globalSetup of the e2e project. Jest loads this file as CommonJS (through the swc transform) with Node's own
// resolver, which does not map the `./x.js` specifiers of our ESM sources to `./x.ts` as the test runtime does
// (moduleNameMapper). So this entry has no relative static imports: it adds that mapping for test/harness with a
// module resolve hook, loads the real set-up, and removes the hook again.
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

function mapHarnessJsToTs(harnessDirUrl: string) {
  return registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        const relativeJs = /^\.\.?\//.test(specifier) && specifier.endsWith('.js');
        if (!relativeJs || !context.parentURL?.startsWith(harnessDirUrl)) throw err;
        return nextResolve(specifier.slice(0, -'.js'.length) + '.ts', context);
      }
    },
  });
}

export default async function globalSetup(_globalConfig: unknown, projectConfig: { rootDir: string }): Promise<void> {
  const harnessDir = resolve(projectConfig.rootDir, 'test', 'harness');
  const hooks = mapHarnessJsToTs(pathToFileURL(harnessDir).href + '/');
  try {
    const { setUpE2e } = await import('./e2e-setup.js');
    await setUpE2e();
  } finally {
    hooks.deregister();
  }
}
