// jest 30 in ESM mode (NODE_OPTIONS=--experimental-vm-modules): Nest 12 and jose 6 are ESM only.
const tsJest = [
  'ts-jest',
  { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } },
];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/lib/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
  // A global option in jest 30 (ignored inside a project): the e2e suites start real servers, providers and ESLint.
  testTimeout: 30_000,
  // Two workers on a 2-core machine (jest's default there is one): the e2e suites mostly wait on their servers.
  maxWorkers: 2,
};
