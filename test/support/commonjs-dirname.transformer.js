// The specs run as ES modules (jest.config.js), which have no __dirname; the built app is CommonJS, which has.
// This gives each compiled file the __dirname CommonJS would, so a module that reads a file beside itself
// (src/auth/passwords/common-passwords.ts) finds it from src/ in the tests as it does from dist/ in the app.
const { dirname } = require('node:path');

module.exports = {
  name: 'commonjs-dirname',
  version: 1,
  factory: (compiler) => {
    const ts = compiler.configSet.compilerModule;
    return (context) => (sourceFile) => {
      const directory = dirname(sourceFile.fileName);
      const visit = (node) =>
        ts.isIdentifier(node) &&
        node.text === '__dirname' &&
        !(node.parent && ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)
          ? ts.factory.createStringLiteral(directory)
          : ts.visitEachChild(node, visit, context);
      return ts.visitNode(sourceFile, visit);
    };
  },
};
