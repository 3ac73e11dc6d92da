// Lint budgets follow ../shared/STYLE.md (pepr's root config): small functions, shallow nesting, no floating promises.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      complexity: ["warn", 10],
      "max-depth": ["error", 3],
      "max-params": ["warn", 4],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The planning core is pure: no client libraries, no file system, network, processes or logger (../shared/STYLE.md).
    // It owns its vocabulary (resource keys, conditions) and imports only the model and itself.
    files: ["controller/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            "@kubernetes/client-node",
            "@azure/batch",
            "@azure/identity",
            "@azure/ms-rest-js",
            "chokidar",
            "pino",
            "prom-client",
            "node:fs",
            "node:fs/promises",
            "node:http",
            "node:https",
            "node:net",
            "node:child_process",
            "node:worker_threads",
          ],
          patterns: [{ group: ["../*", "!../model", "!../model/*"], message: "controller/core imports only controller/model and itself." }],
        },
      ],
    },
  },
  {
    // The CLI launcher is plain ESM JavaScript run by Node.
    files: ["bin/**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: { complexity: "off", "max-params": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
