/**
 * Masks an API key for messages that must say which key was used: the prefix
 * (`sk_test_`, `sk_prod_`, …) and the last 4 characters, never more.
 *
 * @example
 * maskApiKey('sk_test_51HxYzAbCdEf9876') // 'sk_test_…9876'
 */
export function maskApiKey(apiKey: string): string {
  // Only a prefix of the known shape (sk_test_, sk_prod_) is shown; anything longer may be secret.
  const prefix = /^[a-z]{2,4}_(test|prod|live)_/i.exec(apiKey)?.[0] ?? '';
  const secret = apiKey.slice(prefix.length);
  // Short keys would give too much away with 4 characters shown.
  return secret.length >= 12 ? `${prefix}…${secret.slice(-4)}` : `${prefix}…`;
}
