/**
 * The payload key the committed replay histories were recorded with. A test fixture, not a secret:
 * it encrypts nothing but sandbox data, and replay needs it to decode the recorded payloads.
 */
export const REPLAY_PAYLOAD_KEYS = 'replay1:cmVwbGF5LWZpeHR1cmUta2V5LW5vdC1hLXNlY3JldCE=';
