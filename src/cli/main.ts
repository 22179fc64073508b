/**
 * The `parley` command: `serve`, `admin`, `token`, `doctor`. Each command module exports
 * `run(argv): Promise<number>` (the exit code) and a `usage` text.
 */
interface Command {
  summary: string;
  load: () => Promise<{ run: (argv: string[]) => Promise<number>; usage: string }>;
}

const COMMANDS: Record<string, Command> = {
  serve: { summary: 'run the PBX (what `npm start` runs)', load: () => import('./serve.ts') },
  admin: { summary: 'create a console account with every permission', load: () => import('./admin.ts') },
  token: { summary: 'create, list or revoke API bearer tokens', load: () => import('./token.ts') },
  doctor: { summary: 'check ports, store, prompts and TLS files', load: () => import('./doctor.ts') },
};

const USAGE = `Usage: parley <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join('\n')}

Every command takes --data DIR / --database URL (or PARLEY_DATA / PARLEY_DATABASE) to reach the same store
as \`serve\`. \`parley <command> --help\` tells more.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`parley: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const mod = await command.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(mod.usage);
    return 0;
  }
  return mod.run(rest);
}

process.exitCode = await main(process.argv.slice(2));
