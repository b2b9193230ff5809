/** Throwaway RSA service-account keys for tests and the demo (never real credentials). */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface TestServiceAccountKey {
  /** Contents of a Google-style JSON key file. */
  keyJson: string;
  /** SPKI PEM to register with the sandbox: state.registerServiceAccount(clientEmail, publicKeyPem). */
  publicKeyPem: string;
  clientEmail: string;
  privateKeyId: string;
}

export function generateTestServiceAccountKey(
  clientEmail = 'ml-connector-test@test-project.iam.gserviceaccount.com',
  projectId = 'test-project',
): TestServiceAccountKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privateKeyId = randomBytes(20).toString('hex');
  const keyJson = JSON.stringify(
    {
      type: 'service_account',
      project_id: projectId,
      private_key_id: privateKeyId,
      private_key: privateKey,
      client_email: clientEmail,
      client_id: String(100000000000000000000n + BigInt(randomBytes(6).readUIntBE(0, 6))),
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
    },
    null,
    2,
  );
  return { keyJson, publicKeyPem: publicKey, clientEmail, privateKeyId };
}
