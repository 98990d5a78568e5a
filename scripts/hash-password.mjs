#!/usr/bin/env node
/**
 * Prints an OpenLDAP-compatible salted hash of a password, for userPassword in
 * LDIF files (the embedded directory's seed data, or slapd):
 *
 *   printf '%s' 'alice-pass' | node scripts/hash-password.mjs            -> {SSHA512}...
 *   node scripts/hash-password.mjs --scheme SSHA256                     (asks, without echo)
 *
 * The password is read from standard input, never from the command line, so
 * it stays out of shell history and process listings. Format:
 * {SCHEME}base64(digest(password || salt) || salt), with a random 16-byte salt.
 */
import { createHash, randomBytes } from 'node:crypto';

const SCHEMES = { SSHA512: 'sha512', SSHA256: 'sha256', SSHA: 'sha1' };

function usage(message) {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write('usage: node scripts/hash-password.mjs [--scheme SSHA512|SSHA256|SSHA] < password\n');
  process.exit(2);
}

function parseArgs(argv) {
  let scheme = 'SSHA512';
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--scheme') scheme = (argv[++i] ?? '').toUpperCase();
    else if (argv[i] === '--help' || argv[i] === '-h') usage();
    else usage(`unknown argument: ${argv[i]} (the password is read from standard input)`);
  }
  if (!(scheme in SCHEMES)) usage(`unknown scheme: ${scheme}`);
  return { scheme };
}

async function readPassword() {
  if (!process.stdin.isTTY) {
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    // One trailing newline is how `echo` and editors end input, not part of the password.
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  process.stderr.write('password: ');
  process.stdin.setRawMode(true);
  return new Promise((resolve) => {
    let typed = '';
    process.stdin.on('data', (data) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') typed = typed.slice(0, -1);
        else typed += ch;
      }
    });
  });
}

const { scheme } = parseArgs(process.argv.slice(2));
const password = await readPassword();
if (password === '') usage('the password is empty');
const salt = randomBytes(16);
const digest = createHash(SCHEMES[scheme]).update(password, 'utf8').update(salt).digest();
process.stdout.write(`{${scheme}}${Buffer.concat([digest, salt]).toString('base64')}\n`);
