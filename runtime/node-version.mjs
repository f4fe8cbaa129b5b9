// The platform runs on the Node.js major of its Lambdas (nodejs24.x). npm scripts and npx put the
// lockfile's Node 24 (the npm package `node`) first on PATH; a bare `node runtime/...` on an older
// Node gets this message instead of an obscure failure later.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`faascape needs Node.js 24 or later (this is ${process.version}). Run it through npm: npm start, npx faascape …, npm test.`);
  process.exit(1);
}
