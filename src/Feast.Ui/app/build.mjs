// Bundles the host app (index.jsx) and its npm dependencies into dist/: index.js, index.css and the index.html
// template whose %PUBLIC_URL% the server fills in. Run by eng/build-ui.sh after `npm ci`.
import { build } from "esbuild";
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, "dist");

// EUI loads each icon with import('./assets/' + name), without the extension; esbuild turns that into a glob
// whose keys end in .js, so every icon fails at run time ("Module not found in bundle"). Append the extension.
const iconImport = "'./assets/' + typeToPathMap[iconType])";
const euiIconExtension = {
  name: "eui-icon-extension",
  setup(b) {
    b.onLoad({ filter: /[\\/]@elastic[\\/]eui[\\/]es[\\/]components[\\/]icon[\\/]icon\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const found = source.split(iconImport).length - 1;
      if (found !== 1) {
        throw new Error(`${args.path}: expected the icon import "${iconImport}" once, found it ${found} times ` +
          "(an EUI upgrade?); fix the eui-icon-extension plugin in build.mjs");
      }
      return { contents: source.replace(iconImport, "'./assets/' + typeToPathMap[iconType] + '.js')"), loader: "js" };
    });
  },
};

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  entryPoints: { index: path.join(here, "index.jsx") },
  outdir: dist,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  jsx: "automatic",
  loader: { ".js": "jsx", ".svg": "dataurl", ".png": "dataurl", ".woff": "dataurl", ".woff2": "dataurl" },
  inject: [path.join(here, "public-url.js")],
  define: {
    "process.env.NODE_ENV": '"production"',
    "process.env.PUBLIC_URL": "feastPublicUrl",
    "process.env.REACT_APP_FEAST_FEATURE_SERVER_URL": '""',
    global: "globalThis",
  },
  plugins: [euiIconExtension],
  logLevel: "warning",
});
await copyFile(path.join(here, "index.html"), path.join(dist, "index.html"));
console.log(`Feast UI bundle written to ${dist}`);
