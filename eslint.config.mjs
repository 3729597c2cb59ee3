// Lint and format rules for the workspace (`npm run lint`, `npm run lint:fix`). Formatting is the
// `@effect/dprint` rule, so `eslint --fix` also formats. Plain (untyped) linting: no rule here
// needs type information, which keeps a full run to a few seconds.
import * as effect from "@effect/eslint-plugin"
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/build/**",
      "scripts/bench/peers/**"
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...effect.configs.dprint,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module"
    },
    linterOptions: {
      reportUnusedDisableDirectives: "error"
    },
    rules: {
      // Formatting: 2-space indent, width 120, no semicolons, double quotes, no trailing commas,
      // parentheses around every arrow parameter list.
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],

      // House rules.
      "@typescript-eslint/array-type": ["error", { default: "generic", readonly: "generic" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "object-shorthand": "error",
      "no-restricted-syntax": ["error", {
        selector: "CallExpression[callee.property.name='push'] > SpreadElement.arguments",
        message: "Do not spread into Array.push (it can overflow the stack on large arrays): loop or concat"
      }],
      "no-unused-vars": "off",
      "@typescript-eslint/no-unused-vars": ["error", {
        argsIgnorePattern: "^_",
        varsIgnorePattern: "^_",
        caughtErrorsIgnorePattern: "^_",
        destructuredArrayIgnorePattern: "^_"
      }],

      // Relaxed for Effect idioms (Effect's own config turns the first two off).
      // `any` is how a type says "any tool", "any encoded side" (`Tool<string, any, any, any, any>`,
      // `Schema.Schema<A, any>`), and how tests read untyped JSON bodies; strict tsc checks the rest.
      "@typescript-eslint/no-explicit-any": "off",
      // `interface Any extends Tool<...> {}` names a type; an empty interface with no base is still an error.
      "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
      // A `let` read (by a callback) before its only assignment cannot be a `const`.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }]
    }
  },
  {
    files: ["packages/*/src/**/*.ts"],
    rules: {
      "no-console": "error",
      // `src/` imports `effect/Effect`, never the `effect` barrel (type-only imports are fine).
      "@effect/no-import-from-barrel-package": ["error", { packageNames: ["effect", "@effect/platform"] }]
    }
  },
  {
    // The engine (`@effect-bedrock/converse`) is plain TypeScript, shared by the Effect 3 packages, the
    // Effect 4 package to come and the local Bedrock: importing Effect there is an error, types included.
    files: ["packages/converse/{src,test}/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group: ["effect", "effect/*", "@effect/*"], message: "the engine has no Effect" }]
      }]
    }
  },
  {
    // Two Effect lines in one workspace: packages/effect4 is for Effect 4 (its own `effect` 4 in its
    // node_modules); an import of an Effect 3 package there (ours, or `@effect/*` hoisted at the root for
    // Effect 3) would load the other line's `effect`. The local Bedrock's plain-Node server is fine.
    files: ["packages/effect4/{src,test}/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          regex:
            "^(@effect-bedrock/(core|ai)(/.*)?|@effect-bedrock/local(/(?!LocalBedrockServer$|LocalBedrockScript$).*)?|@effect/(?!vitest$).*)$",
          message: "packages/effect4 is for Effect 4: this is an Effect 3 package"
        }]
      }]
    }
  },
  {
    files: ["packages/{core,ai,local}/{src,test}/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group: ["@effect-bedrock/effect4", "@effect-bedrock/effect4/*"], message: "an Effect 3 package" }]
      }]
    }
  }
)
