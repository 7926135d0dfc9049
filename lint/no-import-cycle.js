// @ts-check
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import ts from "typescript";

/**
 * `ampa/no-import-cycle`: no import cycle of any kind. import-x/no-cycle skips type-only
 * imports (`import type`, `import { type X }`), which TypeScript erases; a cycle through
 * them still ties two modules' designs together, so this rule follows every static
 * import and re-export, types included. It reports the import that closes a cycle, with
 * the way back.
 */

/** A relative import's file: `./x.js` is `./x.ts` in the source tree; a folder's index. */
function resolveImport(from, spec) {
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, ".ts"), base, `${base}.ts`, resolve(base, "index.ts")];
  return candidates.find((c) => c.endsWith(".ts") && existsSync(c) && statSync(c).isFile());
}

/** The files a file imports, by path; cached by modification time for one lint run. */
const importsOf = new Map();
function fileImports(file) {
  const mtime = statSync(file).mtimeMs;
  const cached = importsOf.get(file);
  if (cached?.mtime === mtime) return cached.files;
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  const files = [
    ...new Set(importedFiles.map((f) => resolveImport(file, f.fileName)).filter(Boolean)),
  ];
  importsOf.set(file, { mtime, files });
  return files;
}

/** The way from `start` back to `target` (the files in between), or undefined. */
function wayBack(start, target) {
  const cameFrom = new Map([[start, undefined]]);
  for (const queue = [start]; queue.length > 0;) {
    const file = queue.shift();
    for (const next of fileImports(file)) {
      if (next === target) {
        const way = [];
        for (let f = file; f !== undefined; f = cameFrom.get(f)) way.unshift(f);
        return way;
      }
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, file);
      queue.push(next);
    }
  }
  return undefined;
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: {
    type: "problem",
    docs: { description: "Forbid import cycles, type-only imports included." },
    schema: [],
    messages: { cycle: "Import cycle (type-only imports included): {{way}}" },
  },
  create(context) {
    const file = context.physicalFilename;
    const root = context.cwd;
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== "string") return;
      const imported = resolveImport(file, spec);
      if (!imported) return;
      const way = imported === file ? [] : wayBack(imported, file);
      if (!way) return;
      const names = [file, ...way, file].map((f) => relative(root, f));
      context.report({ node: node.source, messageId: "cycle", data: { way: names.join(" → ") } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
    };
  },
};

export default { rules: { "no-import-cycle": rule } };
