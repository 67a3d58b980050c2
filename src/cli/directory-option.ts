/**
 * `--directory <name>`: which directory a command acts on (npm run directory). Without it, the
 * default one at /scim/v2, so every command line written before directories means what it meant.
 */
export const DIRECTORY_OPTION = { directory: { type: 'string' } } as const;
