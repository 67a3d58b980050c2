// ESLint flat config: typescript-eslint's type-aware recommended rules; Prettier owns the layout.
// https://typescript-eslint.io/getting-started/typed-linting
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A leading underscore marks a value kept on purpose: a parameter an interface requires, or a key left out of a rest copy.
      // An async method that implements a Promise-returning interface needs no await of its own.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The JavaScript files are configuration and the bin shim, outside the TypeScript project.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests, bench drivers and the demo's replay read SCIM answers as parsed JSON (supertest's body is `any`); checking them is their job.
    files: ['test/**/*.ts', 'src/**/*.test.ts', 'simulator/**/*.test.ts', 'bench/**/*.ts', 'scripts/demo.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fixtures hand a bound-free close function around (a simulator's, a server's).
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
);
