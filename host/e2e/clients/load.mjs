// load imports an npm package from the pinned tools directory
// ($TOOLS_DIR/node/node_modules, see tools/README.md). These scripts live in
// the repository, not next to that node_modules, so a bare `import` could not
// find the packages; resolving from the tools directory keeps the one pinned
// install the only source of Node code.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export async function load(nodeModules, specifier) {
  const require = createRequire(join(nodeModules, "resolve-from-here.js"));
  return import(pathToFileURL(require.resolve(specifier)).href);
}
