// ESLint flat config: typescript-eslint's type-aware recommended rules over every TypeScript
// area (core, runtime, api, plugins, bench, test, web), React's hook rules for the console.
// Formatting is Prettier's job (.prettierrc.json); none of these rules is stylistic.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'data/', 'test-output/', '.ci/node/', '**/node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // each file is checked with the tsconfig that builds it: tsconfig.json, or web/tsconfig.json for web/src
        projectService: { allowDefaultProject: ['eslint.config.mjs', 'web/vite.config.mts', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      // An async function that does not await implements a Promise-returning interface: removing
      // `async` would turn its throw into a synchronous one, which callers do not expect.
      '@typescript-eslint/require-await': 'off',
      // Rejecting with a caught value or an abort signal's reason passes it on, as `throw err` does
      // (only-throw-error allows that too); a literal that is not an Error is still refused.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    // Tests and benchmarks read JSON answers (`await res.json()`, parsed log lines, SQL rows) and
    // assert on their fields: typing each one would only repeat the assertion that follows it.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  { files: ['bin/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['web/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: globals.browser },
  },
);
