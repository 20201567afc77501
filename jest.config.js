// Jest runs in ESM mode (node --experimental-vm-modules); @swc/jest strips types, tsc type-checks separately.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
};
const common = {
  transform,
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    // Compiler output reviewed by Gatekeeper's gator: real Rego, no API server.
    { ...common, displayName: 'scenarios', testMatch: ['<rootDir>/test/scenarios/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
    // gatewright and Gatekeeper installed with their manifests on a real node (hack/node/node.sh).
    {
      ...common,
      displayName: 'incluster',
      testMatch: ['<rootDir>/test/incluster/**/*.test.ts'],
      globalSetup: '<rootDir>/test/incluster/global-setup.ts',
      globalTeardown: '<rootDir>/test/incluster/global-teardown.ts',
    },
  ],
};
