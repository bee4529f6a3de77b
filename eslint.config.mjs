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
      // a `let` read by a closure defined before its one assignment (a timer, the object being built) stays `let`
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_x` names a parameter a signature requires but the body does not use; `{ dropped, ...rest }` drops a key
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Values from untyped sources reach the code as `any`: SQL rows (knex, pg, better-sqlite3),
    // koa-router's ctx.params and ctx.query (checked by the route's schema before use), JSON.parse.
    // Each such place should get a row or parameter type; until it has one, a warning marks it.
    // `any` written by hand (generic plugin and node-type signatures) is likewise warned, not refused.
    rules: {
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-unsafe-argument': 'warn',
      '@typescript-eslint/no-unsafe-assignment': 'warn',
      '@typescript-eslint/no-unsafe-call': 'warn',
      '@typescript-eslint/no-unsafe-member-access': 'warn',
      '@typescript-eslint/no-unsafe-return': 'warn',
      // the same values printed with String(): a row's text column, a config value, an error
      '@typescript-eslint/no-base-to-string': 'warn',
    },
  },
  {
    // Tests and benchmarks read JSON answers (`await res.json()`, parsed log lines, SQL rows) and
    // assert on their fields: typing each one would only repeat the assertion that follows it.
    // They also pass deliberately ill-typed values (`as any`) to check that they are refused.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
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
    // The two rules of hooks. Version 7's recommended set adds the React Compiler's rules (refs,
    // purity, immutability, set-state-in-effect), which judge code for a compiler the console
    // does not use: its latest-value refs and render caches are deliberate.
    files: ['web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
    languageOptions: { globals: globals.browser },
  },
);
