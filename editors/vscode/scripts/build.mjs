// Bundles the extension and vscode-languageclient into one file, so that the .vsix needs no
// node_modules. `--production` minifies and drops the source map.
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");

await esbuild.build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"], // provided by the editor at run time
  minify: production,
  sourcemap: !production,
  logLevel: "warning",
});
