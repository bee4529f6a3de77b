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
