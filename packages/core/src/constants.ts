/** The default API address. */
export const DEFAULT_BASE_URL = 'https://api.stickycalls.com';
