/**
 * Unit specs sit next to the code; e2e specs in test/ boot the real app. `npm test` runs both.
 * NestJS 12 ships ES modules, and Jest loads ES modules only in its native ESM mode, which needs Node's vm modules
 * (`--experimental-vm-modules`, set by the npm test script; still behind that flag in Node 24 and 26), so the specs
 * are compiled as ES modules. The same vm modules let Jest's runtime require() an ES module from CommonJS (as
 * @fastify/static does content-disposition, and light-my-request cookie) on Node 24.9 and later, so no dependency
 * needs compiling to CommonJS.
 */
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      useESM: true,
      tsconfig: 'tsconfig.spec.json',
      astTransformers: {
        before: [
          require.resolve('./test/support/swagger-plugin.transformer.js'),
          require.resolve('./test/support/commonjs-dirname.transformer.js'),
        ],
      },
    },
  ],
};
/** CommonJS packages that require() Nest itself: they get the ES-module instances instead (see the transformer). */
const NEST_REQUIRED_FROM_CJS = ['@nestjs/throttler'];
transform[`node_modules/(${NEST_REQUIRED_FROM_CJS.join('|')})/.+\\.js$`] = require.resolve('./test/support/nest-for-cjs.transformer.js');

const common = {
  testEnvironment: 'node',
  transform,
  setupFilesAfterEnv: [require.resolve('./test/support/nest-for-cjs.ts')],
  // The Swagger plugin writes ESM-style '.js' specifiers into its metadata; they name the .ts sources here.
  transformIgnorePatterns: [`/node_modules/(?!(${NEST_REQUIRED_FROM_CJS.join('|')})/)`],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  // An e2e test boots the real app, often twice, and logs in with bcrypt: Jest's default bound of 5 s was exceeded on
  // a slow CI machine (test/backup.e2e-spec.ts, 2026-12-08), and a test cut off by its timeout runs on and holds the
  // database its successor needs. So a wide bound; a hung test still fails, after 30 s. Global, because jest-circus
  // reads only the top-level testTimeout, not a project's.
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testRegex: '\\.spec\\.ts$' },
    { ...common, displayName: 'e2e', rootDir: '.', roots: ['<rootDir>/test'], testRegex: '\\.e2e-spec\\.ts$' },
  ],
};
