/**
 * Twilio's APIs reached at their stand-ins, for the tests: no Node module here, so the
 * workerd fixture uses it too.
 */

/** A `fetch` for Twilio's APIs that reaches the stand-ins instead; anything else is refused. */
export function standInFetch(iamUrl: string, taskRouterUrl: string): typeof fetch {
  return (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const target =
      url.origin === 'https://iam.twilio.com'
        ? iamUrl
        : url.origin === 'https://taskrouter.twilio.com'
          ? taskRouterUrl
          : undefined;
    if (target === undefined) return Promise.reject(new TypeError(`unexpected request to ${url.origin}`));
    return fetch(new Request(`${target}${url.pathname}${url.search}`, request));
  };
}
