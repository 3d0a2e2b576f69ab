/** A translation of an English dictionary `E`: every key, nothing more, each a string. */
export type Tr<E> = { readonly [K in keyof E]: string };
