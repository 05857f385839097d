// ESLint: typescript-eslint's strict type-checked rules over every package's sources and tests.
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/node_modules/**",
      "**/.tmp/**",
      "docs/api/**",
      "packages/cli/bin/**",
      "packages/testkit/bin/**",
      "packages/cli/build.mjs",
      "eslint.config.mjs"
    ]
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            "packages/*/vitest.config.ts",
            "docs/vitest.config.ts",
            "vitest.config.ts",
            "vitest.workspace.ts"
          ]
        },
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      // Numbers and booleans read naturally in messages ("after 3 attempts", "ready: false").
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      // `(x) => Effect.log(x)` style arrow shorthands returning void are the Effect idiom.
      // ... and so are `return resume(...)` early returns inside Effect.async callbacks.
      "@typescript-eslint/no-confusing-void-expression": [
        "error",
        { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }
      ],
      // A leading underscore marks a deliberately unused binding (a destructured field dropped, a callback argument).
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true
        }
      ]
    }
  },
  {
    // client-node's models are classes, but its API takes plain objects (JSON in, JSON out): spreading one
    // into a request body (`{ ...created, data }`) loses nothing, the classes carry no instance methods.
    files: [
      "packages/join/src/internal/kube-api/**",
      "packages/join/src/kube-api/**",
      "packages/testkit/test/client-node.test.ts"
    ],
    rules: {
      "@typescript-eslint/no-unsafe-class-instance-assignment": "off",
      "@typescript-eslint/no-misused-spread": "off"
    }
  },
  {
    // Library code prints through the Output service; only the binaries and tests use the console.
    files: ["packages/workflow/src/**", "packages/join/src/**"],
    rules: { "no-console": "error" }
  }
)
