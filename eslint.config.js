// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const focusedOrSkipped = ["it", "test", "describe"].flatMap((object) =>
  ["only", "skip"].map((property) => ({
    object,
    property,
    message: "Focused or skipped tests must not be committed.",
  })),
);

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
);
