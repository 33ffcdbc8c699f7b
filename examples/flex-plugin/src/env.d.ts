// The variables this plugin reads. The build replaces `process.env.FLEX_APP_*` with the
// values from `.env` (or the environment) as string literals: nothing is read at run time.
declare namespace NodeJS {
  interface ProcessEnv {
    /** URL of the save-context Function, e.g. `https://sticky-calls-1234-dev.twil.io/save-context`. */
    readonly FLEX_APP_SAVE_CONTEXT_URL?: string;
  }
}
