/**
 * The command line of `fill-flow` and `doctor`: `--name value` and `--name=value` pairs and
 * `-h`/`--help`. Unlike `util.parseArgs` in strict mode it never stops at the first mistake:
 * every option goes to the command's `take`, and every problem is kept, in the order given.
 *
 * @param take checks one option (`value` is undefined when none followed it) and answers
 *   what is wrong with it, or undefined when it was taken
 */
export function readOptions(
  argv: readonly string[],
  take: (name: string, value: string | undefined) => string | undefined,
): { help: boolean; problems: string[] } {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const read = { help: false, problems: [] as string[] };
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    if (arg === '-h' || arg === '--help') {
      read.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      read.problems.push(`${JSON.stringify(arg)}: unexpected argument; every value follows its option`);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    const next = args[index + 1];
    const takesNext = equals < 0 && next !== undefined && !next.startsWith('--');
    const problem = take(name, equals >= 0 ? arg.slice(equals + 1) : takesNext ? next : undefined);
    if (problem !== undefined) read.problems.push(problem);
    if (takesNext) index += 1;
  }
  return read;
}
