/** An option searched on the device: the words it is found by, lower-cased. */
export interface Searchable {
  readonly search: string;
}

/** Ant Design Select's search over options carrying `search` (names in both languages, codes, keywords, addresses). */
export const SEARCH_OPTIONS = {
  filterOption: (input: string, option?: Searchable) => !!option && option.search.includes(input.toLowerCase()),
} as const;
