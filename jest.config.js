/**
 * Unit specs sit next to the code; e2e specs in test/ boot the real app. `npm test` runs both.
 * NestJS 12 ships ES modules, which Jest can load on Node 20 only in its native ESM mode
 * (`--experimental-vm-modules`, set by the npm scripts), so the specs are compiled as ES modules.
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
/**
 * CommonJS packages that require() an ES-module dependency (Node 20 allows it, Jest's runtime on Node 20 does not):
 * those dependencies are compiled to CommonJS for the tests.
 */
const ESM_REQUIRED_FROM_CJS = ['content-disposition', 'cookie'];
transform[`node_modules/(${ESM_REQUIRED_FROM_CJS.join('|')})/.+\\.js$`] = ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' } }];

const common = {
  testEnvironment: 'node',
  transform,
  // The Swagger plugin writes ESM-style '.js' specifiers into its metadata; they name the .ts sources here.
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_REQUIRED_FROM_CJS.join('|')})/)`],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testRegex: '\\.spec\\.ts$' },
    { ...common, displayName: 'e2e', rootDir: '.', roots: ['<rootDir>/test'], testRegex: '\\.e2e-spec\\.ts$' },
  ],
};
