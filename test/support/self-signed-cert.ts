/**
 * A throw-away self-signed certificate for TLS tests, made with the machine's openssl. Tests that
 * need one skip (with one warning) where openssl is missing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

export interface SelfSignedCert {
  cert: string;
  key: string;
  /** Deletes the certificate's folder. */
  remove(): void;
}

/** An RSA certificate for `commonName`, valid one day, in a fresh temporary folder. */
export function makeSelfSignedCert(folderLabel: string, commonName = 'localhost'): SelfSignedCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `scim-bridge-${folderLabel}-`));
  const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${commonName}`, '-days', '1', '-keyout', key, '-out', cert],
    {
      encoding: 'utf8',
    },
  );
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
  return { cert, key, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
