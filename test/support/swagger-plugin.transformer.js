// ts-jest wants a CommonJS transformer with name/version/factory; the Swagger CLI plugin (as nest-cli.json
// runs it for builds) is wrapped here so the tests see the same OpenAPI metadata as the built app.
const plugin = require('@nestjs/swagger/plugin');
const options = require('../../nest-cli.json').compilerOptions.plugins[0].options;

module.exports = {
  name: 'nestjs-swagger-plugin',
  version: 1,
  factory: (compiler) => plugin.before(options, compiler.program),
};
