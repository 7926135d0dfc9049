// @ts-check
import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";
import ampa from "./lint/no-import-cycle.js";

const focusedOrSkipped = ["it", "test", "describe"].flatMap((object) =>
  ["only", "skip"].map((property) => ({
    object,
    property,
    message: "Focused or skipped tests must not be committed.",
  })),
);

/**
 * The layers import only downward (docs/architecture.md): app and adapters each build on
 * core and are siblings that never import each other; runtime wires them; local (npm start
 * only) may use them all; handlers, the CLI, scripts and tests sit on top, and nothing in
 * src/lib imports them. `above` names, per layer, what it must not import.
 */
const lib = "./src/lib";
const above = {
  core: [`${lib}/app`, `${lib}/adapters`, `${lib}/runtime`, `${lib}/local`],
  app: [`${lib}/adapters`, `${lib}/runtime`, `${lib}/local`],
  adapters: [`${lib}/app`, `${lib}/runtime`, `${lib}/local`],
  runtime: [`${lib}/local`],
  local: [],
};
const entryPoints = ["./src/handlers", "./src/cli", "./scripts", "./test"];
export const layerZones = Object.entries(above).map(([layer, forbidden]) => ({
  target: `${lib}/${layer}`,
  from: [...forbidden, ...entryPoints],
  message: `src/lib/${layer} must not import this layer (see docs/architecture.md).`,
}));

export default tseslint.config(
  { ignores: ["node_modules/", ".esbuild/", ".serverless/", ".ampa/", "dist/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/no-non-null-assertion": "error",
      "no-restricted-properties": ["error", ...focusedOrSkipped],
    },
  },
  {
    files: ["src/**/*.ts", "scripts/**/*.ts"],
    plugins: { "import-x": importX, ampa },
    settings: {
      // Dependencies are parsed to follow their imports (no-cycle): TypeScript files too.
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createTypeScriptImportResolver()],
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      // What the functions import must be a declared dependency, not one hoisted by chance.
      "import-x/no-extraneous-dependencies": [
        "error",
        { devDependencies: ["scripts/**"], optionalDependencies: false },
      ],
      // import-x/no-cycle has no option to follow type-only imports: this rule does.
      "ampa/no-import-cycle": "error",
      "import-x/no-restricted-paths": ["error", { zones: layerZones }],
      // One file, one job; one function, one screen (tests are exempt).
      "max-lines": ["error", { max: 400, skipBlankLines: false, skipComments: false }],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: false, skipComments: false }],
    },
  },
);
