import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs in strict mode, with its errors turned into UsageError (exit 2) and a
 * checked count of positional arguments: every one of `positionalNames`, then at most
 * `optionalNames.length` more (`failed retry [<jobId>]`).
 */
export function parseCommandArgs<O extends Options>(group: string, args: string[], options: O, positionalNames: string[], optionalNames: string[] = []) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message, group);
  }
  const { positionals } = parsed;
  const most = positionalNames.length + optionalNames.length;
  if (positionals.length < positionalNames.length) throw new UsageError(`missing ${positionalNames[positionals.length]}`, group);
  if (positionals.length > most) throw new UsageError(`unexpected argument "${positionals[most]}"`, group);
  return { values: parsed.values, positionals };
}
