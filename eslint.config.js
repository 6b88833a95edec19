// Lint: typescript-eslint's type-checked recommendations, plus the rules that catch what this code
// base has been bitten by or relies on: promises nobody awaits, switches that miss a member of a union
// (a new codec must be handled everywhere), and unused code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node's globals that the plain .mjs scripts use (bench pages evaluate code with `window` in the browser). */
const NODE_GLOBALS = [
  'process',
  'console',
  'Buffer',
  'URL',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'performance',
  'fetch',
  'TextEncoder',
  'TextDecoder',
  'structuredClone',
  'window',
];

export default tseslint.config(
  // after-gc.mjs is V8 natives syntax (%GetOptimizationStatus), not JavaScript a parser takes.
  { ignores: ['dist/', 'out/', 'docs/api/', 'node_modules/', 'bench/inputs/', 'bench/out/', 'test/jit/after-gc.mjs'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // A caught value is rethrown as it came (`throw failure` after delivering what came before).
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      // Async functions without await implement async interfaces (a payload's transformToByteArray).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests poke at values of any shape (caught errors, parsed JSON) and match terminal escapes.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: Object.fromEntries(NODE_GLOBALS.map((name) => [name, 'readonly'])) },
  },
);
