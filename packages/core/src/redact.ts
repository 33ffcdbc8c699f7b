/**
 * Masks an API key for messages that must say which key was used: the prefix
 * (`sk_test_`, `sk_prod_`, …) and the last 4 characters, never more.
 *
 * @example
 * maskApiKey('sk_test_51HxYzAbCdEf9876') // 'sk_test_…9876'
 */
export function maskApiKey(apiKey: string): string {
  const prefix = /^[a-z]+_[a-z]+_/i.exec(apiKey)?.[0] ?? '';
  const secret = apiKey.slice(prefix.length);
  // Short keys would give too much away with 4 characters shown.
  return secret.length >= 12 ? `${prefix}…${secret.slice(-4)}` : `${prefix}…`;
}
