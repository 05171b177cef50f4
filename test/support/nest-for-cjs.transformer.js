/**
 * @nestjs/throttler is CommonJS and require()s @nestjs/common and @nestjs/core, which are ES modules in Nest 12. Jest
 * keeps what require() loads apart from what import loads, so a require()d or CommonJS-compiled Nest would be a second
 * copy of it (a second Reflector, which DI would not recognise), so this transform hands such packages the very modules
 * the ES-module code imported, put on globalThis by nest-for-cjs.ts (a setup file).
 */
const { createHash } = require('node:crypto');

const NEST_REQUIRE = /require\("(@nestjs\/(?:common|core))"\)/g;

module.exports = {
  process(source) {
    return { code: source.replace(NEST_REQUIRE, (_, id) => `globalThis.__nestForCjs[${JSON.stringify(id)}]`) };
  },
  getCacheKey(source, path) {
    return createHash('sha256').update(__filename).update('\0').update(path).update('\0').update(source).digest('hex');
  },
};
