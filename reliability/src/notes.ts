/** Notes a file adds to its category's summary line (how many inputs a property generated, …). */
export const notes: string[] = [];
